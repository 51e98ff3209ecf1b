"""``GET /__emulator__/counters``: calls per second of the emulator's clock and the 429s answered.

The emulator runs on a clock the test moves, so which second a call falls in is certain.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.emulator.conftest import Emulator, connect

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import running_emulator

START_US = 1_796_000_000 * 1_000_000  # 2026-11-30, a whole second


class SteppedClock:
    def __init__(self) -> None:
        self.now_us = START_US

    def __call__(self) -> int:
        return self.now_us


@pytest.fixture
def stepped() -> Iterator[tuple[Emulator, SteppedClock]]:
    clock = SteppedClock()
    state = EmulatorState(clock=clock)
    config = EmulatorConfig(auto_approve=True, testing_controls=True, rate_limit=2)
    with running_emulator(config, state) as base_url:
        for emulator in connect(base_url, state):
            yield emulator, clock


def test_calls_are_counted_per_second_with_the_429s(stepped) -> None:
    emulator, clock = stepped
    second = START_US // 1_000_000
    answers = [emulator.api.get("/contact_lists").status_code for _ in range(3)]
    clock.now_us += 1_000_000
    answers.append(emulator.api.get("/contact_lists").status_code)
    assert answers == [200, 200, 429, 200]
    counters = emulator.control.get("/counters").json()
    assert counters["by_second"] == {str(second): 3, str(second + 1): 1}
    assert counters["too_many_requests"] == 1
    assert counters["total"] == 4, "the older keys are unchanged"
    assert counters["by_endpoint"] == {"GET /v3/contact_lists": 4}


def test_an_injected_429_is_counted_and_both_resets_empty_them(stepped) -> None:
    emulator, _ = stepped
    emulator.control.post("/faults", json={"rate_429": 1.0}).raise_for_status()
    assert emulator.api.get("/contact_lists").status_code == 429
    assert emulator.control.get("/counters").json()["too_many_requests"] == 1
    emulator.control.post("/counters/reset").raise_for_status()
    assert emulator.control.get("/counters").json()["by_second"] == {}
    emulator.control.post("/faults", json={"rate_429": 0.0}).raise_for_status()
    emulator.api.get("/contact_lists")
    emulator.control.post("/reset").raise_for_status()
    emptied = emulator.control.get("/counters").json()
    assert (emptied["by_second"], emptied["too_many_requests"]) == ({}, 0)
