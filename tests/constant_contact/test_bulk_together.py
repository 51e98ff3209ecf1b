"""Activities submitted as a set and waited for together (`Bulk(together=True)`,
`Poller.wait_all`): one page of `GET /activities` a round instead of a poll each, the
outcome (state, counts, `activity_errors`) read from that page, a backoff between rounds,
≤ `in_flight` queued at a time, and what the page leaves off read by id."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from tests.constant_contact.conftest import CcEmulator
from tests.constant_contact.test_bulk import FAST_POLL, _people

from listbridge.constant_contact import polling
from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.errors import NotFoundError
from listbridge.emulator.config import EmulatorConfig

BY_ID = "GET /v3/activities/{activity_id}"
COLLECTION = "GET /v3/activities"
ADD = "POST /v3/activities/add_list_memberships"
UNKNOWN = "0b5ad0e2-8a4c-11ee-b9d1-0242ac120002"


@pytest.fixture
def cc_emulator_config(cc_emulator_config: EmulatorConfig) -> EmulatorConfig:
    """Each activity takes a few rounds: the waits below see them unfinished first."""
    return replace(cc_emulator_config, activity_pause_seconds=0.05)


def test_sets_of_activities_are_waited_for_with_the_collection(cc: CcEmulator) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 2300, "seed": 5}).json()
    client = cc.client()
    target = client.create_list("Everyone")
    slept: list[float] = []
    # per_item 0: every wait starts from `first` (the scaled first wait: test_poll_waits.py)
    poller = replace(FAST_POLL, sleep=lambda s: (slept.append(s), time.sleep(s))[1], per_item=0)
    memo = DictMemo()
    bulk = Bulk(client, memo, poller, together=True, in_flight=3)
    cc.control.post("/counters/reset").raise_for_status()
    added = bulk.add_to_lists("add", seeded["contact_ids"], [target.list_id])
    calls = cc.counters()["by_endpoint"]
    assert calls[ADD] == 5  # 2,300 ids: 500 a request
    assert [a.state for a in added.activities] == ["completed"] * 5
    assert [a.status.items_total_count for a in added.activities if a.status] == [
        500, 500, 500, 500, 300]  # fmt: skip
    # two sets (3 + 2), each ≥ 1 page of the collection; the last one left of a set is
    # read by id (as small an answer as a page, and as many calls)
    assert calls[COLLECTION] >= 2, calls
    assert calls[COLLECTION] + calls.get(BY_ID, 0) <= 2 * 6, calls
    assert _backoffs(slept) == 2  # each set from the first delay up, doubling to the cap
    addable = {c.contact_id for c in client.iter_contacts() if not c.to_core().unsubscribed}
    assert {c.contact_id for c in client.iter_contacts(lists=target.list_id)} == addable
    assert list(memo) == [f"add:{n}" for n in range(5)]


def _backoffs(slept: list[float]) -> int:
    """How many waits `slept` holds, each checked to double from `first` up to `cap`."""
    waits: list[list[float]] = []
    for delay in slept:
        if delay == FAST_POLL.first:
            waits.append([])
        waits[-1].append(delay)
    p = FAST_POLL
    for wait in waits:
        assert wait == [min(p.cap, p.first * p.factor**n) for n in range(len(wait))], slept
    return len(waits)


def test_per_item_errors_come_from_the_collection(cc: CcEmulator) -> None:
    client = cc.client()
    lst = client.create_list("Imported")
    # two imports finishing together: the page shows both at their end, errors and all
    bulk = Bulk(client, DictMemo(), replace(FAST_POLL, first=2.0), together=True)
    rows = {"a": _people(30, frozenset({4, 17})), "b": _people(20, frozenset({2}))}
    bodies = {k: {"import_data": r, "list_ids": [lst.list_id]} for k, r in rows.items()}
    cc.control.post("/counters/reset").raise_for_status()
    done = bulk.run_together("contacts_json_import", bodies)
    assert [len(a.errors) for a in done] == [2, 1]
    assert all("not-an-email" in e for a in done for e in a.errors)
    assert [a.status.person_count for a in done if a.status] == [28, 19]
    calls = cc.counters()["by_endpoint"]
    assert BY_ID not in calls, calls
    assert calls[COLLECTION] == 1, calls


def test_a_remembered_set_is_waited_for_never_submitted_again(cc: CcEmulator) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 1200, "seed": 6}).json()
    client = cc.client()
    target = client.create_list("Everyone")
    memo = DictMemo()
    first = Bulk(client, memo, FAST_POLL, together=True)
    first.add_to_lists("add", seeded["contact_ids"], [target.list_id])
    again = Bulk(client, memo, FAST_POLL, together=True)
    done = again.add_to_lists("add", seeded["contact_ids"], [target.list_id])
    assert [a.activity_id for a in done.activities] == [memo[f"add:{n}"] for n in range(3)]
    assert cc.counters()["by_endpoint"][ADD] == 3


def test_what_the_page_leaves_off_is_read_by_id(
    cc: CcEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 1200, "seed": 7}).json()
    client = cc.client()
    target = client.create_list("Everyone")
    monkeypatch.setattr(polling, "COLLECTION_PAGE", 1)  # the newest activity only
    bulk = Bulk(client, DictMemo(), FAST_POLL, together=True)
    cc.control.post("/counters/reset").raise_for_status()
    added = bulk.add_to_lists("add", seeded["contact_ids"], [target.list_id])
    assert [a.state for a in added.activities] == ["completed"] * 3
    calls = cc.counters()["by_endpoint"]
    assert calls[BY_ID] >= 2, calls  # the two older ones, never on a page of one
    assert calls[COLLECTION] >= 1, calls


def test_an_activity_the_service_no_longer_knows(cc: CcEmulator) -> None:
    client = cc.client()
    assert FAST_POLL.wait_all(client, [UNKNOWN], missing_ok=True) == {}
    with pytest.raises(NotFoundError):
        FAST_POLL.wait_all(client, [UNKNOWN])
    assert FAST_POLL.wait_all(client, []) == {}
