"""A push owes Constant Contact nothing for an account that equals its contact (issue 23,
item 3): right after an import, after a list was deleted in Constant Contact, and for
links whose fingerprint was stored with the lists in it. Memberships change through the
bulk membership activities, never a PUT per contact."""

from __future__ import annotations

from typing import Any

from tests.sync.conftest import Scene
from tests.sync.lists_support import accounts, lists, people, reset_counters, writes
from tests.sync.test_push import push

from listbridge.core.mapping import MappingPolicy, fingerprint, map_account
from listbridge.store.models import CcLink

FULL_CONTACT: dict[str, Any] = {
    "company_name": "Ösel Works",
    "job_title": "Treasurer",
    "phone_numbers": [
        {"phone_number": "+1 617 555 0100", "kind": "home"},
        {"phone_number": "617-555-0150", "kind": "work"},
        {"phone_number": "617-555-0199", "kind": "mobile"},
    ],
    "street_addresses": [
        {"kind": "home", "street": "12 Elm St", "city": "Boston", "state": "MA",
         "postal_code": "02108", "country": "US"},
    ],
}  # fmt: skip


def test_a_push_right_after_an_import_makes_no_write_call(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_contact("full@example.org", "Zoë", "Ng", lists=("News",), **FULL_CONTACT)
    scene.add_contact("plain@example.org", "Pl", "Ain", lists=("News",))
    scene.add_contact("bare@example.org", lists=("News",))
    assert scene.import_json()["created"] == 3
    reset_counters(scene)
    dry = scene.cli("push", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert '"update"' not in dry.stdout
    result = push(scene)
    assert result["already_linked"] == 3
    assert writes(scene) == {}
    # The look-up taught the links their contacts' fields: the next push reads no contact.
    reset_counters(scene)
    push(scene)
    reads = scene.cc.counters()["by_endpoint"]
    assert writes(scene) == {}
    assert reads.get("GET /v3/contacts", 0) == 1  # the consent-first read of opt-outs alone


def test_a_changed_field_after_an_import_is_still_sent(scene: Scene) -> None:
    scene.add_list("News")
    contact_id = scene.add_contact("full@example.org", "Zoë", "Ng", lists=("News",),
                                   **FULL_CONTACT)  # fmt: skip
    scene.import_json()
    [account] = scene.accounts()
    scene.crm.update_fields(account.id, {"city": "Cambridge"}, reason="test")
    push(scene)
    with scene.cc.state.lock:
        assert scene.cc.state.contacts.by_id[contact_id].addresses is not None
        assert "Cambridge" in scene.cc.state.contacts.by_id[contact_id].addresses[0]


def test_a_list_deleted_in_cc_costs_no_contact_update(scene: Scene) -> None:
    lists(scene, "create", "Doomed")
    lists(scene, "create", "Kept")
    people(scene, "a", "b", "c")
    for name in ("Doomed", "Kept"):
        lists(scene, "add", name, *accounts(scene, "a", "b", "c"))
    scene.cc.wait()
    doomed = next(lst.list_id for lst in scene.client.iter_lists() if lst.name == "Doomed")
    scene.client.delete_list(doomed)
    scene.cc.wait()
    reset_counters(scene)
    answer = scene.cli("sync", "full", "--json")
    assert answer.exit_code == 0, answer.output
    assert not any(k.startswith("PUT /v3/contacts/") for k in writes(scene)), writes(scene)
    assert "POST /v3/activities/contacts_json_import" not in writes(scene)


def test_a_link_fingerprinted_with_its_lists_before_is_recognised(scene: Scene) -> None:
    """Links pushed before fingerprints left the lists out are not all rewritten once."""
    news = scene.add_list("News")
    [a] = people(scene, "a")
    push(scene, "--list", "News")
    account = scene.account(a)
    old_style = fingerprint(map_account(account, MappingPolicy()).row, (news,))
    with scene.store.session() as session:
        session.query(CcLink).update({"fingerprint": old_style})
    reset_counters(scene)
    assert push(scene, "--list", "News")["already_linked"] == 1
    assert writes(scene) == {}
