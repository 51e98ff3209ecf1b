"""LISTBRIDGE_TEST_CRASH_AT (src/listbridge/crash_points.py): read as POINT:N, a wrong value
refused with the variable, the points and the value named, before any command runs."""

from __future__ import annotations

import pytest

from listbridge.config import TEST_CRASH_AT_ENV, ProcessConfig
from listbridge.core.errors import UserError
from listbridge.crash_points import POINTS, CrashAt


def test_a_point_and_a_pass_are_read() -> None:
    found = ProcessConfig.from_environ({TEST_CRASH_AT_ENV: " commit:12 "})
    assert found.crash_at == CrashAt("commit", 12)
    assert ProcessConfig.from_environ({}).crash_at is None


@pytest.mark.parametrize("text", ["commit", "commit:", "commit:-1", "comit:3", "request:x"])
def test_a_wrong_value_names_the_variable_and_the_points(text: str) -> None:
    with pytest.raises(UserError) as refused:
        ProcessConfig.from_environ({TEST_CRASH_AT_ENV: text})
    message = str(refused.value)
    assert TEST_CRASH_AT_ENV in message
    assert repr(text) in message
    assert all(point in message for point in POINTS)
