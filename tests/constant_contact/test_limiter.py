"""Against an emulator that enforces Constant Contact's 4 requests a second."""

from __future__ import annotations

import time

import pytest
from tests.constant_contact.conftest import CcEmulator

from listbridge.constant_contact.limiter import Limiter, shared_limiter
from listbridge.emulator.config import EmulatorConfig


@pytest.fixture
def cc_emulator_config() -> EmulatorConfig:
    return EmulatorConfig(auto_approve=True, testing_controls=True, rate_limit=4)


def test_the_limiter_keeps_a_job_under_the_servers_four_per_second(cc: CcEmulator) -> None:
    client = cc.client(rate=4.0)
    started = time.monotonic()
    for _ in range(12):
        client.account_summary()
    assert time.monotonic() - started >= 11 / 4 - 0.05
    assert client.session.stats.statuses[429] == 0
    assert isinstance(client.session.limiter, Limiter)


def test_every_client_of_a_connection_in_a_process_shares_one_limiter() -> None:
    first = shared_limiter("sqlite:///x.db#1", 4.0)
    assert shared_limiter("sqlite:///x.db#1", 4.0) is first
    assert shared_limiter("sqlite:///x.db#2", 4.0) is not first
