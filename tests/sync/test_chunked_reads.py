"""The reads that stream a chunk at a time (issue 19: a million contacts in a small
worker) decide as a whole read would: here every chunk holds one record, so each pair,
contact and link crosses a chunk boundary."""

from __future__ import annotations

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.lists_support import (
    cc_add,
    cc_members,
    cc_remove,
    crm_members,
    email,
    emails,
    lists,
    people,
)
from tests.sync.lists_support import ids as account_ids
from tests.sync.lists_support import sync as lists_sync
from tests.sync.test_unsubscribes import linked, opt_out_in_crm, permission
from tests.sync.test_unsubscribes import sync as unsubscribes_sync

from listbridge.core.cc_records import CcContact, Permission
from listbridge.store import list_sync_state
from listbridge.sync.lists import apply, refresh, refusals
from listbridge.sync.unsubscribes import source


@pytest.fixture
def one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh, "CHUNK", 1)
    monkeypatch.setattr(source, "CHUNK", 1)


@pytest.fixture
def writes_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list job's link reads, CRM list writes and base rows, one account at a time."""
    monkeypatch.setattr(refusals, "READ_CHUNK", 1)
    monkeypatch.setattr(apply, "CRM_WRITE_CHUNK", 1)
    monkeypatch.setattr(list_sync_state, "CHUNK", 1)


@edge
@pytest.mark.usefixtures("writes_one_at_a_time")
def test_a_first_fill_written_a_member_at_a_time_lands_whole(scene: Scene) -> None:
    lists(scene, "create", "MA")
    people(scene, "a", "b", "c", "info", state="MA")  # info@: a role address, never pushed
    scene.add_account("twin", "b@example.org", "T", "Twin", state="MA")  # b's address
    lists(scene, "bind", "MA", "--where", 'state = "MA"')
    done = lists_sync(scene, "MA", direction="crm_to_cc", extra=("--confirm",))
    assert done["added_to_cc"] == 3
    assert {e["account_id"] for e in done["errors"]} == {scene.ids["info"], scene.ids["twin"]}
    assert cc_members(scene, "MA") == emails("a", "b", "c")
    assert crm_members(scene, "MA") == {"a", "b", "c"}
    people(scene, "d", state="MA")
    scene.crm.update_fields(scene.ids["a"], {"state": "NY"}, reason="moved")
    again = lists_sync(scene, "MA", direction="crm_to_cc", extra=("--confirm",))
    assert (again["added_to_cc"], again["removed_from_cc"]) == (1, 1)
    assert cc_members(scene, "MA") == emails("b", "c", "d")
    assert crm_members(scene, "MA") == {"b", "c", "d"}
    settled = lists_sync(scene, "MA", direction="crm_to_cc")
    assert (settled["added_to_cc"], settled["removed_from_cc"]) == (0, 0)


def test_interned_consent_shares_list_ids_and_changes_no_value() -> None:
    made = [
        CcContact(f"c{i}", f"p{i}@example.org", permission=Permission.IMPLICIT,
                  list_ids=tuple(f"L{j}" for j in range(i % 3)))
        for i in range(9)
    ]  # fmt: skip
    interned = source.Interned()
    kept = [source.consent_of(c, interned) for c in made]
    assert kept == [source.consent_of(c) for c in made]
    assert all(
        k.to_contact() == source.consent_of(c).to_contact() for k, c in zip(kept, made, strict=True)
    )
    assert len({id(k.list_ids) for k in kept}) == 3  # (), (L0,), (L0, L1): one copy each


@edge
@pytest.mark.usefixtures("one_at_a_time")
def test_a_chunked_refresh_sees_every_move_deletion_and_opt_out(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_list("Events")
    for person in ("José", "Zoë", "Siobhán", "Łukasz"):
        scene.add_contact(email(person), "F", person, lists=("News",))
        people(scene, person)
    scene.import_json()
    lists_sync(scene, "News", direction="cc_to_crm")
    cc_remove(scene, "News", email("José"))
    cc_add(scene, "Events", email("Zoë"))
    scene.client.delete_contact(scene.cc.state.contacts.find_email(email("Siobhán")).contact_id)
    scene.unsubscribe(scene.cc.state.contacts.find_email(email("Łukasz")).contact_id)
    result = lists_sync(scene, "News", direction="cc_to_crm", extra=("--confirm",))
    assert result["removed_from_crm"] == 3
    assert crm_members(scene, "News") == {"Zoë"}  # names: a SQL CRM numbers its accounts


@edge
@pytest.mark.usefixtures("one_at_a_time")
def test_a_chunked_reconciliation_carries_each_side_and_leaves_the_rest(scene: Scene) -> None:
    addresses = ("ana@example.org", "bo@example.org", "chloé@example.org", "dai@example.org")
    ids = linked(scene, *addresses)
    a1, a3 = account_ids(scene, "A1", "A3")
    first = unsubscribes_sync(scene)
    assert (first["cc_unsubscribed"], first["crm_opted_out"]) == (0, 0)
    scene.unsubscribe(ids["ana@example.org"])
    opt_out_in_crm(scene, a1)
    scene.crm.update_fields(a3, {"first_name": "Dai"}, reason="staff edit")
    result = unsubscribes_sync(scene)
    assert (result["cc_unsubscribed"], result["crm_opted_out"]) == (1, 1)
    assert permission(scene, ids["bo@example.org"]) == "unsubscribed"
    assert scene.account(account_ids(scene, "A0")[0]).email_opt_out
    assert permission(scene, ids["dai@example.org"]) != "unsubscribed"
    assert unsubscribes_sync(scene)["cc_unsubscribed"] == 0  # the cursors moved past
