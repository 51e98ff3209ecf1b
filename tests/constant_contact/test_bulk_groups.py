"""Several groups' membership changes at once (`memberships_together`: a list job's lists,
a group each): every group's ≤ 500-id requests submitted as one set and waited for with
pages of `GET /activities`, each group's result (activities, per-item errors, memo keys)
its own, and a remembered request polled, never submitted again."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest
from tests.constant_contact.conftest import CcEmulator
from tests.constant_contact.test_bulk import FAST_POLL

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.bulk_groups import memberships_together
from listbridge.constant_contact.client import ConstantContact
from listbridge.emulator.config import EmulatorConfig

BY_ID = "GET /v3/activities/{activity_id}"
COLLECTION = "GET /v3/activities"
ADD = "POST /v3/activities/add_list_memberships"
REMOVE = "POST /v3/activities/remove_list_memberships"
#: a contact deleted since it was read: CC names it in the activity's errors
GONE = "7d0c1f6e-9a4b-11ee-b9d1-0242ac120002"


class ReadLog:
    """The client, with each activity read written down: "page" for a page of the
    collection, the activity's id for a read by id."""

    def __init__(self, client: ConstantContact) -> None:
        self.client, self.log = client, list[str]()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def recent_activities(self, limit: int) -> Any:
        self.log.append("page")
        return self.client.recent_activities(limit)

    def get_activity(self, activity_id: str) -> Any:
        self.log.append(activity_id)
        return self.client.get_activity(activity_id)


@pytest.fixture
def cc_emulator_config(cc_emulator_config: EmulatorConfig) -> EmulatorConfig:
    """Each activity takes a few rounds: the wait sees them unfinished first."""
    return replace(cc_emulator_config, activity_pause_seconds=0.05)


def test_every_groups_requests_are_waited_for_together(cc: CcEmulator) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 1_400, "seed": 8}).json()["contact_ids"]
    client = cc.client()
    news, choir, board = (client.create_list(n).list_id for n in ("News", "Chœur", "Board"))
    groups = {
        "news": (seeded[:1_100], [news]),  # three requests
        "choir": ([*seeded[1_100:1_380], GONE], [choir]),
        "board": (seeded[1_380:], [board, news]),
    }
    memo = DictMemo()
    cc.control.post("/counters/reset").raise_for_status()
    reads = ReadLog(client)
    done = memberships_together(
        Bulk(cast(ConstantContact, reads), memo, FAST_POLL), "add_list_memberships", groups
    )
    calls = cc.counters()["by_endpoint"]
    assert calls[ADD] == 5
    # one set: pages of the collection while more than one is unfinished; only the last
    # one left, alone, is read by id (its own small answer), however slow the machine
    assert reads.log[0] == "page", reads.log
    alone = [entry for entry in reads.log if entry != "page"]
    assert len(set(alone)) <= 1, reads.log
    if alone:
        assert "page" not in reads.log[reads.log.index(alone[0]) :], reads.log
    assert 1 <= calls[COLLECTION] <= 6, calls
    assert {k: r.keys for k, r in done.items()} == {
        "news": ["news:0", "news:1", "news:2"],
        "choir": ["choir:0"],
        "board": ["board:0"],
    }
    assert sorted(memo) == sorted(k for r in done.values() for k in r.keys)
    # each group's errors name its own contacts: the unsubscribed ones, and the one gone
    out = {c.contact_id for c in client.iter_contacts(status="unsubscribed", include=())}
    for key, (ids, _lists) in groups.items():
        named = {e.message.split()[1] for e in done[key].errors}
        assert named == (set(ids) & out) | ({GONE} & set(ids)), key
    assert GONE in {e.message.split()[1] for e in done["choir"].errors}
    addable = {c.contact_id for c in client.iter_contacts() if not c.to_core().unsubscribed}
    members = {n: {c.contact_id for c in client.iter_contacts(lists=n)} for n in (choir, board)}
    assert members[choir] == addable & set(seeded[1_100:1_380])
    assert members[board] == addable & set(seeded[1_380:])
    assert {c.contact_id for c in client.iter_contacts(lists=news)} == addable & (
        set(seeded[:1_100]) | set(seeded[1_380:])
    )

    again = memberships_together(Bulk(client, memo, FAST_POLL), "add_list_memberships", groups)
    assert cc.counters()["by_endpoint"][ADD] == 5  # every one remembered: polled, not resent
    assert [a.activity_id for a in again["news"].activities] == [
        memo[f"news:{n}"] for n in range(3)
    ]


def test_removals_and_an_empty_group(cc: CcEmulator) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 600, "seed": 9}).json()["contact_ids"]
    client = cc.client()
    news = client.create_list("News").list_id
    Bulk(client, DictMemo(), FAST_POLL).add_to_lists("add", seeded, [news])
    cc.control.post("/counters/reset").raise_for_status()
    groups = {"leaving": (seeded[:520], [news]), "nobody": ([], [news])}
    bulk = Bulk(client, DictMemo(), FAST_POLL)
    done = memberships_together(bulk, "remove_list_memberships", groups)
    assert cc.counters()["by_endpoint"][REMOVE] == 2
    assert [a.state for a in done["leaving"].activities] == ["completed"] * 2
    assert done["nobody"].activities == []
    assert done["nobody"].keys == []
    left = {c.contact_id for c in client.iter_contacts(lists=news)}
    assert not left & set(seeded[:520])
    assert left <= set(seeded[520:])
