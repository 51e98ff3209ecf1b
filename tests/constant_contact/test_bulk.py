"""Bulk activities: batches filled to the limits, submitted once, polled to the end."""

from __future__ import annotations

from typing import Any

from tests.constant_contact.conftest import CcEmulator

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.models import Activity
from listbridge.constant_contact.polling import Poller
from listbridge.core.batching import IMPORT_MAX_BYTES

FAST_POLL = Poller(first=0.02, factor=2.0, cap=0.2, timeout=120)


def _people(
    n: int, bad: frozenset[int] = frozenset(), padded: bool = False
) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"email": f"person{i}@example.org", "first_name": f"P{i}"}
        if i in bad:
            row["email"] = f"not-an-email-{i}"
        if padded:  # ~700 bytes a contact, so a few thousand pass 4 MB
            row |= {k: (k * 50)[:50] for k in ("last_name", "job_title", "company_name", "city")}
            row |= {"street": "s" * 250, "state": "Massachusetts", "zip": "02110"}
        rows.append(row)
    return rows


def test_an_import_is_polled_to_the_end_with_per_item_errors(cc: CcEmulator) -> None:
    client = cc.client()
    lst = client.create_list("Imported")
    seen: list[str] = []

    def progress(_key: str, activity: Activity) -> None:
        seen.append(activity.state)

    memo = DictMemo()
    bulk = Bulk(client, memo, FAST_POLL, progress)
    result = bulk.import_contacts("run-1:import", _people(30, frozenset({4, 17})), [lst.list_id])
    assert [a.state for a in result.activities] == ["completed"]
    assert seen[0] == "initialized"
    assert seen[-1] == "completed"
    assert sorted(e.index for e in result.errors if e.index is not None) == [4, 17]
    assert all("not-an-email" in e.message for e in result.errors)
    status = result.activities[0].status
    assert status is not None
    assert status.person_count == 28
    assert list(memo) == ["run-1:import:0"]


def test_a_remembered_activity_is_polled_never_submitted_again(cc: CcEmulator) -> None:
    client = cc.client()
    lst = client.create_list("Imported")
    memo = DictMemo()
    Bulk(client, memo, FAST_POLL).import_contacts("job", _people(10), [lst.list_id])
    again = Bulk(client, memo, FAST_POLL).import_contacts("job", _people(10), [lst.list_id])
    assert again.activities[0].activity_id == memo["job:0"]
    posts = cc.counters()["by_endpoint"]["POST /v3/activities/contacts_json_import"]
    assert posts == 1


def test_imports_over_four_megabytes_are_split_and_nothing_is_dropped(cc: CcEmulator) -> None:
    client = cc.client()
    lst = client.create_list("Big")
    people = _people(7000, padded=True)
    result = Bulk(client, DictMemo(), FAST_POLL).import_contacts("big", people, [lst.list_id])
    assert len(result.activities) == 2
    sizes = [int(n) for n in _post_sizes(cc)]
    assert all(size <= IMPORT_MAX_BYTES for size in sizes)
    assert sizes[0] > IMPORT_MAX_BYTES - 1000  # the first request is full
    total = sum((a.status.person_count or 0) for a in result.activities if a.status)
    assert total == 7000
    assert len(list(client.iter_contacts(lists=lst.list_id))) == 7000


def _post_sizes(cc: CcEmulator) -> list[int]:
    return cc.recorder.request_sizes("/v3/activities/contacts_json_import")


def test_membership_changes_go_out_in_slices_of_five_hundred(cc: CcEmulator) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 1200, "lists": 1, "seed": 5}).json()
    client = cc.client()
    target = client.create_list("Everyone")
    bulk = Bulk(client, DictMemo(), FAST_POLL)
    added = bulk.add_to_lists("add", seeded["contact_ids"], [target.list_id])
    assert [a.status.items_total_count for a in added.activities if a.status] == [500, 500, 200]
    # Unsubscribed contacts are never added to a list (consent): count the others.
    addable = {c.contact_id for c in client.iter_contacts() if not c.to_core().unsubscribed}
    members = {c.contact_id for c in client.iter_contacts(lists=target.list_id)}
    assert members == addable
    assert len(addable) > 1000
    removed = bulk.remove_from_lists("remove", seeded["contact_ids"][:700], [target.list_id])
    assert all(a.state == "completed" for a in removed.activities)
    left = {c.contact_id for c in client.iter_contacts(lists=target.list_id)}
    assert left == addable - set(seeded["contact_ids"][:700])
