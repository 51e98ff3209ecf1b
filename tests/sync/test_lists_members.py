"""`lists members NAME [--json]`: who is on a list on each side, and how the sides agree,
read from the emulator, the connection's CRM and the links."""

from __future__ import annotations

from typing import Any

from tests.sync.conftest import Scene
from tests.sync.crms import ORGANIZATIONS
from tests.sync.lists_support import cc_add, cc_list_id, failed, lists


def members(scene: Scene, name: str) -> dict[str, dict[str, Any]]:
    """`lists members NAME --json`, by e-mail address (each row once)."""
    rows = lists(scene, "members", name, "--json")
    by_email = {row["email"]: row for row in rows}
    assert len(by_email) == len(rows), rows
    assert all(
        set(row) == {"account_id", "cc_contact_id", "email", "name", "state"} for row in rows
    )
    return by_email


def test_members_shows_each_person_once_with_the_state_of_both_sides(scene: Scene) -> None:
    lists(scene, "create", "Members")
    scene.lists["Members"] = str(cc_list_id(scene, "Members"))
    zoe = scene.add_account("zoe", "zoe.angstrom@example.org", "Zoë", "Ångström")
    # a household sharing one address typed in two cases: one contact, linked to Sam
    sam = scene.add_account("sam", "okafor.family@example.org", "Sam", "Okafor")
    kit = scene.add_account("kit", "Okafor.Family@Example.org", "Kit", "Okafor")
    una = scene.add_account("una", "una.byrne@example.org", "Úna", "Byrne")
    otto = scene.add_account("otto", "otto@example.org", "Otto", "Weiß", email_opt_out=True)
    lists(scene, "add", "Members", *[a for i in (zoe, sam, kit, una) for a in ("--account", i)])
    scene.crm.add_to_list("Members", [kit, otto], reason="added by hand in the CRM")
    org = ""
    if scene.can(ORGANIZATIONS):
        org = scene.add_organization("acme", "office@acme.example")
        scene.crm.add_to_list("Members", [org], reason="added by hand in the CRM")
    walk_in = scene.add_contact("wen.ng@example.org", "Wen", "Ng", lists=("Members",))
    scene.unsubscribe(scene.contact_of(una))  # in CC, after the last job: read live

    shown = members(scene, "Members")

    expected = {
        "zoe.angstrom@example.org": (zoe, scene.contact_of(zoe), "Zoë Ångström", "linked"),
        "okafor.family@example.org": (sam, scene.contact_of(sam), "Sam Okafor", "linked"),
        "Okafor.Family@Example.org": (kit, "", "Kit Okafor", "crm_only"),
        "una.byrne@example.org": (una, scene.contact_of(una), "Úna Byrne", "blocked_by_consent"),
        "otto@example.org": (otto, "", "Otto Weiß", "blocked_by_consent"),
        "wen.ng@example.org": ("", walk_in, "Wen Ng", "cc_only"),
    }
    if org:
        expected["office@acme.example"] = (org, "", scene.account(org).company_name, "crm_only")
    got = {
        e: (r["account_id"], r["cc_contact_id"], r["name"], r["state"]) for e, r in shown.items()
    }
    assert got == expected
    assert scene.contact_of(kit) == ""  # the shared address's other account: never linked

    table = lists(scene, "members", "Members").stdout
    for label in ("linked", "CRM only", "CC only", "blocked by consent"):
        assert label in table


def test_a_cc_only_contact_linked_to_an_account_off_the_crm_list_names_the_account(
    scene: Scene,
) -> None:
    lists(scene, "create", "Volunteers")
    lists(scene, "create", "Donors")
    ana = scene.add_account("ana", "ana.souza@example.org", "Ana", "Souza")
    lists(scene, "add", "Donors", "--account", ana)  # linked through the Donors list
    scene.lists["Volunteers"] = str(cc_list_id(scene, "Volunteers"))
    contact = scene.contact_of(ana)
    other = scene.add_contact("li.wei@example.org", "Wei", "Li", lists=("Volunteers",))
    # added to Volunteers in CC by someone else: its account is on no CRM list of that name
    cc_add(scene, "Volunteers", "ana.souza@example.org")
    shown = members(scene, "Volunteers")
    assert shown["ana.souza@example.org"]["state"] == "cc_only"
    assert shown["ana.souza@example.org"]["account_id"] == ana
    assert shown["ana.souza@example.org"]["cc_contact_id"] == contact
    assert (shown["li.wei@example.org"]["account_id"], shown["li.wei@example.org"]["state"]) == (
        "",
        "cc_only",
    )
    assert shown["li.wei@example.org"]["cc_contact_id"] == other
    donors = members(scene, "Donors")
    assert {e: r["state"] for e, r in donors.items()} == {"ana.souza@example.org": "linked"}


def test_an_unknown_list_is_exit_2_naming_it(scene: Scene) -> None:
    lists(scene, "create", "Members")
    message = failed(scene, "members", "Nope", "--json")
    assert "no Constant Contact list named 'Nope'" in message
    assert "Members" in message  # the lists there are


def test_an_empty_list_is_an_empty_array(scene: Scene) -> None:
    lists(scene, "create", "Empty")
    assert lists(scene, "members", "Empty", "--json") == []
