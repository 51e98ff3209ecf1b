"""The reads that stream a chunk at a time (issue 19: a million contacts in a small
worker) decide as a whole read would: here every chunk holds one record, so each pair,
contact and link crosses a chunk boundary."""

from __future__ import annotations

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.lists_support import cc_add, cc_remove, crm_members, email, people
from tests.sync.lists_support import ids as account_ids
from tests.sync.lists_support import sync as lists_sync
from tests.sync.test_unsubscribes import linked, opt_out_in_crm, permission
from tests.sync.test_unsubscribes import sync as unsubscribes_sync

from listbridge.sync.lists import refresh
from listbridge.sync.unsubscribes import source


@pytest.fixture
def one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh, "CHUNK", 1)
    monkeypatch.setattr(source, "CHUNK", 1)


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
