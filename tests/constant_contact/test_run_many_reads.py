"""`Bulk.run_many` one by one (not `together`): the answer to each POST is the activity as
submitted, so nothing is read before the first wait (a read there only showed it queued);
each `GET /activities/{id}` follows a sleep, and the first sleep of each counts from its
submission (`Poller.wait(since=...)`), so N activities do not wait N first waits in a row.
A remembered activity is read at once."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from tests.constant_contact.conftest import CcEmulator
from tests.constant_contact.test_bulk import FAST_POLL, _people

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.models import Activity
from listbridge.constant_contact.polling import Poller, quiet
from listbridge.emulator.config import EmulatorConfig

BY_ID = "GET /v3/activities/{activity_id}"
IMPORT = "POST /v3/activities/contacts_json_import"
N = 3
ROWS = 1_000  # 2 pauses of 20 ms each: not ended when the last one is submitted


@pytest.fixture
def cc_emulator_config(cc_emulator_config: EmulatorConfig) -> EmulatorConfig:
    """A pause of 20 ms every 500 rows: each activity is still at work at its first look."""
    return replace(cc_emulator_config, activity_pause_seconds=0.02)


def _bodies(list_id: str) -> dict[str, dict[str, Any]]:
    rows = _people(N * ROWS)
    return {f"imp:{n}": {"import_data": rows[n * ROWS : (n + 1) * ROWS], "list_ids": [list_id]}
            for n in range(N)}  # fmt: skip


def test_run_many_reads_no_activity_before_its_first_wait(cc: CcEmulator) -> None:
    client = cc.client()
    bodies = _bodies(client.create_list("Imported").list_id)
    at_sleep: list[dict[str, int]] = []  # the emulator's counters as each wait begins

    def sleep(seconds: float) -> None:
        at_sleep.append(cc.counters()["by_endpoint"])
        time.sleep(seconds)

    told: list[tuple[str, str]] = []

    def progress(key: str, activity: Activity) -> None:
        told.append((key, activity.state))

    bulk = Bulk(client, DictMemo(), replace(FAST_POLL, sleep=sleep), progress)
    cc.control.post("/counters/reset").raise_for_status()
    done = bulk.run_many("contacts_json_import", bodies)
    assert [a.state for a in done] == ["completed"] * N
    assert at_sleep[0].get(IMPORT) == N, at_sleep[0]  # every one submitted first
    assert BY_ID not in at_sleep[0], at_sleep[0]  # and none read before the first wait
    calls = cc.counters()["by_endpoint"]
    assert calls[BY_ID] == len(at_sleep), (calls, len(at_sleep))  # one read a wait, no more
    first_told: dict[str, str] = {}
    for key, state in told:  # told by key, never by activity id
        first_told.setdefault(key, state)
    assert first_told == dict.fromkeys(bodies, "initialized")  # as the POSTs answered
    assert [key for key, state in told if state == "completed"] == list(bodies)


def test_a_remembered_activity_is_read_at_once(cc: CcEmulator) -> None:
    """A re-run's activities: read before any wait, ended ones never waited for."""
    client = cc.client()
    bodies = _bodies(client.create_list("Imported").list_id)
    memo = DictMemo()
    first = Bulk(client, memo, FAST_POLL).run_many("contacts_json_import", bodies)
    slept: list[float] = []
    cc.control.post("/counters/reset").raise_for_status()
    again = Bulk(client, memo, replace(FAST_POLL, sleep=slept.append))
    done = again.run_many("contacts_json_import", bodies)
    assert [a.activity_id for a in done] == [a.activity_id for a in first]
    assert [a.state for a in done] == ["completed"] * N
    assert slept == []
    calls = cc.counters()["by_endpoint"]
    assert calls == {BY_ID: N}, calls  # no POST: each remembered one read once


def test_the_first_wait_counts_from_the_submission(cc: CcEmulator) -> None:
    """On the poller's own clock: 0.3 s gone since the POST leaves 0.2 s of a 0.5 s first
    wait; 2 s gone leaves none (it is read at once); the backoff then doubles as ever."""
    client = cc.client()
    body = {"import_data": _people(ROWS), "list_ids": [client.create_list("L").list_id]}
    now, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
        time.sleep(seconds / 10)

    poller = Poller(first=0.5, cap=1.0, timeout=120, sleep=sleep, clock=lambda: now[0])
    submitted = client.post_activity("contacts_json_import", body)
    assert poller.wait(client, submitted, quiet, since=now[0] - 0.3).state == "completed"
    assert slept[0] == pytest.approx(0.2)
    assert slept[1:] == [min(1.0, 0.5 * 2**n) for n in range(1, len(slept))]
    slept.clear()
    submitted = client.post_activity("contacts_json_import", body)
    assert poller.wait(client, submitted, quiet, since=now[0] - 2.0).state == "completed"
    assert slept[0] == 0.0
