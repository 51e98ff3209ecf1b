"""The first wait for an activity is scaled to what it was sent (`Poller.scaled`): the
service works through the rows at a rate, and a poll before it can have finished costs a
call for nothing (issue 19: polls of a 10,000-account push). A small set still starts from
`first`, and no first wait passes `first_cap` (nor `cap`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from tests.constant_contact.conftest import CcEmulator
from tests.constant_contact.test_bulk import _people

from listbridge.constant_contact.bulk import Bulk, DictMemo, items_of
from listbridge.constant_contact.polling import Poller
from listbridge.emulator.config import EmulatorConfig

BY_ID = "GET /v3/activities/{activity_id}"
COLLECTION = "GET /v3/activities"


@pytest.fixture
def cc_emulator_config(cc_emulator_config: EmulatorConfig) -> EmulatorConfig:
    """A pause of 20 ms every 500 rows: an activity takes a few of them to finish."""
    return replace(cc_emulator_config, activity_pause_seconds=0.02)


def _recorded(slept: list[float]) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    return sleep


@pytest.mark.parametrize(
    ("items", "first"),
    [
        (0, 0.5),  # nothing known of the size (a remembered activity settled): `first`
        (500, 0.5),  # a small set is not slowed: 0.2 s of rows is under `first`
        (10_000, 4.0),  # 10,000 rows at 2,500 a second
        (39_999, 5.0),  # a full import: `first_cap`
    ],
)
def test_the_first_wait_follows_the_size(items: int, first: float) -> None:
    assert Poller().scaled(items).first == pytest.approx(first)


def test_the_first_wait_never_passes_the_cap() -> None:
    quick = Poller(first=0.02, cap=0.2)
    assert quick.scaled(100_000).first == 0.2
    assert quick.scaled(50).first == 0.02
    # a poller whose first wait is above the caps keeps it (it never gets shorter)
    assert Poller(first=8.0).scaled(10).first == 8.0
    assert Poller(per_item=0.0).scaled(1_000_000).first == 0.5


def test_what_a_request_hands_the_service() -> None:
    assert items_of({"import_data": [{"email": "a@x.org"}] * 3, "list_ids": ["l"]}) == 3
    assert items_of({"source": {"contact_ids": ["a", "b"]}, "list_ids": ["l"]}) == 2
    assert items_of({"source": {"contact_ids": ["a"]}, "tag_ids": ["t"]}) == 1
    assert items_of({"contact_ids": ["a", "b", "c", "d"]}) == 4
    assert items_of({"list_ids": ["l"]}) == 0


def test_a_set_is_first_polled_when_its_rows_can_be_done(cc: CcEmulator) -> None:
    """Two imports of 1,500 rows waited for together: one wait of 3,000 × `per_item`
    before the first look (1 ms a row: ample on a busy machine), and that one page of the
    collection finds both ended."""
    client = cc.client()
    lst = client.create_list("Imported")
    slept: list[float] = []
    poller = Poller(first=0.02, cap=5.0, first_cap=4.0, per_item=0.001, timeout=120,
                    sleep=_recorded(slept))  # fmt: skip
    bulk = Bulk(client, DictMemo(), poller, together=True)
    rows = _people(3_000)
    bodies = {f"imp:{n}": {"import_data": rows[n * 1500 : (n + 1) * 1500],
                           "list_ids": [lst.list_id]} for n in range(2)}  # fmt: skip
    cc.control.post("/counters/reset").raise_for_status()
    done = bulk.run_together("contacts_json_import", bodies)
    assert [a.state for a in done] == ["completed", "completed"]
    assert slept[0] == pytest.approx(3.0)  # 3,000 rows × 1 ms, under the 4 s cap
    calls = cc.counters()["by_endpoint"]
    assert BY_ID not in calls, calls
    assert calls[COLLECTION] == len(slept) == 1, (calls, slept)


def test_one_activity_waits_by_its_own_size(cc: CcEmulator) -> None:
    client = cc.client()
    lst = client.create_list("Imported")
    slept: list[float] = []
    poller = Poller(first=0.02, cap=2.0, per_item=0.003, timeout=120,
                    sleep=_recorded(slept))  # fmt: skip
    cc.control.post("/counters/reset").raise_for_status()
    result = Bulk(client, DictMemo(), poller).import_contacts("one", _people(400), [lst.list_id])
    assert [a.state for a in result.activities] == ["completed"]
    assert slept[0] == pytest.approx(1.2)  # 400 rows × 3 ms
    assert cc.counters()["by_endpoint"][BY_ID] == len(slept) == 1, slept


def test_a_slow_service_is_followed_by_the_backoff(cc: CcEmulator) -> None:
    """The first wait too short (the service slower than `per_item`): the waits double
    from it, as before, up to `cap`."""
    client = cc.client()
    lst = client.create_list("Imported")
    slept: list[float] = []
    quick = Poller(first=0.01, factor=2.0, cap=0.08, per_item=0.00001, timeout=120)
    poller = replace(quick, sleep=_recorded(slept))
    Bulk(client, DictMemo(), poller).import_contacts("one", _people(2_000), [lst.list_id])
    assert slept[0] == pytest.approx(0.02)  # 2,000 × 0.01 ms
    assert len(slept) >= 2, slept  # 4 pauses of 20 ms at least: unfinished at the first look
    assert slept == [min(0.08, 0.02 * 2**n) for n in range(len(slept))]
