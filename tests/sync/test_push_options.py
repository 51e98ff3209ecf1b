"""`push.main_list`, `push.include_address` and `push.include_company` against the emulator.

The main list is made once (a second push finds it by name, case as CC compares), every
pushed contact joins it in the bulk calls the push makes anyway, and an unsubscribed
contact never does (a failed subscription). An address or company left out is not sent:
Constant Contact keeps its own, by import and by PUT, and the push after owes nothing.
"""

from __future__ import annotations

from typing import Any

from tests.sync.conftest import Scene
from tests.sync.lists_support import cc_members, email, reset_counters, writes
from tests.sync.test_push import push
from tests.sync.test_push_runs import _set

from listbridge.constant_contact.models import Contact
from listbridge.sync.push.source import FULL

EVERYONE = "Everyone"
CC_ADDRESS: dict[str, Any] = {
    "company_name": "Harbor Books",
    "street_addresses": [
        {"kind": "home", "street": "12 Elm St", "city": "Boston", "state": "MA",
         "postal_code": "02108", "country": "US"},
    ],
}  # fmt: skip
CRM_ADDRESS: dict[str, Any] = {
    "company_name": "Quincy Print Co",
    "address_line1": "9 Oak Ave",
    "city": "Cambridge",
    "state": "MA",
    "zip": "02139",
    "country": "US",
}


def lists_named(scene: Scene, name: str) -> list[str]:
    """The live CC lists whose name CC takes for `name` (it ignores case)."""
    with scene.cc.state.lock:
        return [lst.list_id for lst in scene.cc.state.live_lists()
                if lst.name.casefold() == name.casefold()]  # fmt: skip


def read(scene: Scene, email_address: str) -> Contact:
    found = scene.client.find_contact(email_address, include=FULL)
    assert found is not None, email_address
    return found


def street(contact: Contact) -> tuple[str, str]:
    [address] = contact.street_addresses
    return address.street or "", address.city or ""


def test_the_main_list_is_made_once_and_every_pushed_contact_is_on_it(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_contact("kim@example.org", "Kim", "Okafor", lists=("News",))
    gone_id = scene.add_contact("gus@example.org", "Gus", "Lindqvist", unsubscribed=True)
    for name, first, last in (("ann", "Ann", "Byrne"), ("bob", "Bob", "Tanaka"),
                              ("kim", "Kim", "Okafor"), ("gus", "Gus", "Lindqvist")):  # fmt: skip
        scene.add_account(name, email(name), first, last)
    _set(scene, f"push.main_list={EVERYONE}")
    reset_counters(scene)
    first = push(scene, "--list", "News")
    assert (first["created"], first["matched_existing"]) == (2, 2)
    assert len(lists_named(scene, EVERYONE)) == 1
    assert cc_members(scene, EVERYONE) == {email("ann"), email("bob"), email("kim")}
    # consent first: the unsubscribed contact is on neither list, each a failed subscription
    failed = sorted(e["reason"] for e in first["errors"] if e["email"] == email("gus"))
    assert [r.rsplit("(list ", 1)[1] for r in failed] == [f"{EVERYONE})", "News)"]
    assert first["failed_subscriptions"] == 2
    assert scene.cc.state.contacts.by_id[gone_id].is_unsubscribed
    # the main list rides the imports and membership activities: no call per contact
    single = ("PUT /v3/contacts", "POST /v3/contacts")
    assert [k for k in writes(scene) if k.startswith(single)] == []
    assert writes(scene)["POST /v3/contact_lists"] == 1

    scene.add_account("cy", email("cy"), "Cy", "Moreau")
    _set(scene, f"push.main_list={EVERYONE.lower()}")  # CC's name for it, in another case
    reset_counters(scene)
    second = push(scene, "--list", "News")
    assert (second["created"], second["already_linked"]) == (1, 4)
    assert second["failed_subscriptions"] == 2  # Gus, linked, asked for both lists again
    assert "POST /v3/contact_lists" not in writes(scene)
    assert len(lists_named(scene, EVERYONE)) == 1
    assert cc_members(scene, EVERYONE) == {email(n) for n in ("ann", "bob", "kim", "cy")}
    assert gone_id not in {scene.cc.state.contacts.find_email(e).contact_id
                           for e in cc_members(scene, EVERYONE)}  # fmt: skip


def test_without_a_list_named_linked_contacts_join_the_main_list_in_one_activity(
    scene: Scene,
) -> None:
    scene.add_list("News")
    scene.add_list(EVERYONE)
    for name in ("ann", "bob", "cy"):
        scene.add_contact(email(name), name.title(), "Reyes", lists=("News",))
    assert scene.import_json()["created"] == 3
    _set(scene, f"push.main_list={EVERYONE}")
    reset_counters(scene)
    result = push(scene)
    assert result["already_linked"] == 3
    assert cc_members(scene, EVERYONE) == {email("ann"), email("bob"), email("cy")}
    assert writes(scene) == {"POST /v3/activities/add_list_memberships": 1}
    reset_counters(scene)
    push(scene)
    assert writes(scene) == {}


def test_an_address_and_company_left_out_stay_as_cc_has_them(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_contact("ann@example.org", "Ann", "Byrne", lists=("News",), **CC_ADDRESS)
    ann = scene.add_account("ann", "ann@example.org", "Anna", "Byrne", **CRM_ADDRESS)
    _set(scene, "push.include_address=false", "push.include_company=false")
    # by import (a matched contact, its first name changed)
    assert push(scene, "--list", "News")["matched_existing"] == 1
    contact = read(scene, "ann@example.org")
    assert contact.first_name == "Anna"
    assert (contact.company_name, street(contact)) == ("Harbor Books", ("12 Elm St", "Boston"))
    # by PUT (a new address for the person): the company read first and sent back
    scene.crm.update_fields(ann, {"email": "anna@example.org", "last_name": "Byrne-Ode"},
                            reason="test")  # fmt: skip
    reset_counters(scene)
    assert push(scene)["already_linked"] == 1
    assert [k.split(" ")[0] for k in writes(scene)] == ["PUT"]
    contact = read(scene, "anna@example.org")
    assert (contact.last_name, contact.company_name) == ("Byrne-Ode", "Harbor Books")
    assert street(contact) == ("12 Elm St", "Boston")
    # what is left out is no reason to send again: the CRM's values differ, nothing is owed
    reset_counters(scene)
    assert push(scene, "--list", "News")["already_linked"] == 1
    assert writes(scene) == {}
    # included again, the CRM's values go
    _set(scene, "push.include_address=true", "push.include_company=true")
    push(scene)
    contact = read(scene, "anna@example.org")
    assert (contact.company_name, street(contact)) == (
        "Quincy Print Co",
        ("9 Oak Ave", "Cambridge"),
    )
