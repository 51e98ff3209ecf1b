"""`unsubscribes sync` against the emulator over loopback, on SQLite and PostgreSQL:
acceptance 1 of issue 8, one rule per test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.lists_support import ids as account_ids

from listbridge.core.journal import Side
from listbridge.store.journal import history
from listbridge.store.locks import connection_lock, holder_here
from listbridge.sync.unsubscribes.cc import request_resubscribe

WRITES = ("PUT", "POST", "DELETE", "PATCH")


def linked(scene: Scene, *emails: str) -> dict[str, str]:
    """One list, a contact per address, an account linked to each (named A0, A1 …: see
    Scene.ids); {email: contact_id}."""
    scene.add_list("News")
    ids = {e: scene.add_contact(e, "F", e.split("@")[0], lists=("News",)) for e in emails}
    for n, email in enumerate(emails):
        scene.add_account(f"A{n}", email, "F", email.split("@")[0])
    assert scene.import_json()["matched"] == len(emails)
    return ids


def sync(scene: Scene) -> dict[str, Any]:
    answer = scene.cli("unsubscribes", "sync", "--json")
    assert answer.exit_code == 0, answer.output
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


def permission(scene: Scene, contact_id: str) -> str:
    contact = scene.client.get_contact(contact_id)
    assert contact.email_address is not None
    return str(contact.email_address.permission_to_send)


def opt_out_in_crm(scene: Scene, account_id: str, opted_out: bool = True) -> None:
    scene.crm.set_email_opt_out(account_id, opted_out, reason="staff, in the CRM")


def resubscribe_by_the_contact(scene: Scene, contact_id: str) -> None:
    request_resubscribe(scene.client, contact_id, [scene.lists["News"]])
    scene.cc.control.post(f"/contacts/{contact_id}/confirm_resubscribe").raise_for_status()


def writes(scene: Scene) -> dict[str, int]:
    calls = scene.cc.counters()["by_endpoint"]
    return {k: n for k, n in calls.items() if k.split(" ")[0] in WRITES}


def test_a_contact_unsubscribe_opts_the_account_out_with_its_reason(scene: Scene) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    a0, a1 = account_ids(scene, "A0", "A1")
    sync(scene)
    scene.unsubscribe(ids["a@example.org"])
    result = sync(scene)
    assert (result["crm_opted_out"], result["cc_unsubscribed"], result["errors"]) == (1, 0, [])
    assert scene.account(a0).email_opt_out
    assert not scene.account(a1).email_opt_out
    changes = history(scene.store, scene.connection_id, Side.CRM, a0)
    last = changes[-1]
    assert (last.change.field, last.change.new, last.run_id) == (
        "email_opt_out",
        "true",
        result["run_id"],
    )
    assert "CC → CRM" in last.change.reason
    assert "opt_out_source Contact" in last.change.reason
    shown = scene.cli("crm", "show", a0)
    assert "CC → CRM" in shown.stdout


@pytest.mark.parametrize("clears", [True, False])
def test_a_contacts_own_resubscribe_clears_the_opt_out_only_with_the_setting(
    scene: Scene, clears: bool
) -> None:
    ids = linked(scene, "a@example.org")
    a0 = scene.ids["A0"]
    flag = "true" if clears else "false"
    assert (
        scene.cli("settings", "set", f"unsubscribe.resubscribe_clears_opt_out={flag}").exit_code
        == 0
    )
    scene.unsubscribe(ids["a@example.org"])
    assert sync(scene)["crm_opted_out"] == 1
    resubscribe_by_the_contact(scene, ids["a@example.org"])
    result = sync(scene)
    assert result["crm_opt_out_cleared"] == (1 if clears else 0)
    assert scene.account(a0).email_opt_out is not clears
    assert permission(scene, ids["a@example.org"]) == "explicit"


def test_a_crm_opt_out_unsubscribes_the_contact_naming_the_crm(scene: Scene) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    a1 = scene.ids["A1"]
    sync(scene)
    opt_out_in_crm(scene, a1)
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = sync(scene)
    assert (result["cc_unsubscribed"], result["crm_opted_out"]) == (1, 0)
    # one read of CC's state now, whose properties the PUT sends back: no second read
    calls = scene.cc.counters()["by_endpoint"]
    assert calls["GET /v3/contacts/{contact_id}"] == 1
    assert calls["PUT /v3/contacts/{contact_id}"] == 1
    contact = scene.client.get_contact(ids["b@example.org"])
    assert contact.email_address is not None
    assert contact.email_address.permission_to_send == "unsubscribed"
    assert contact.email_address.opt_out_source == "Account"
    assert "CRM" in (contact.email_address.opt_out_reason or "")
    assert contact.last_name == "b"  # the PUT kept what it did not mean to change
    assert permission(scene, ids["a@example.org"]) != "unsubscribed"
    cc_side = history(scene.store, scene.connection_id, Side.CC, ids["b@example.org"])
    assert "CRM → CC" in cc_side[-1].change.reason
    assert f"(account {a1})" in cc_side[-1].change.reason
    shown = scene.cli("crm", "show", a1).stdout
    assert "permission_to_send: 'subscribed' → 'unsubscribed'" in shown
    assert "CRM → CC" in shown


def test_clearing_a_crm_opt_out_never_resubscribes_the_contacts_own_opt_out(
    scene: Scene,
) -> None:
    ids = linked(scene, "a@example.org")
    a0 = scene.ids["A0"]
    scene.cli("settings", "set", "unsubscribe.crm_clear_resubscribes=true")
    scene.unsubscribe(ids["a@example.org"])
    sync(scene)
    opt_out_in_crm(scene, a0, False)
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = sync(scene)
    assert permission(scene, ids["a@example.org"]) == "unsubscribed"
    assert writes(scene) == {}
    assert result["errors"] == [
        {"account_id": a0, "email": "a@example.org", "reason": "needs the contact's own consent"}
    ]


def test_an_opt_out_made_in_the_crm_itself_unsubscribes_the_contact(scene: Scene) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    a0, a1 = account_ids(scene, "A0", "A1")
    sync(scene)
    scene.opt_out_in_the_crm(a1)
    result = sync(scene)
    assert (result["cc_unsubscribed"], result["crm_opted_out"]) == (1, 0)
    assert permission(scene, ids["b@example.org"]) == "unsubscribed"
    assert permission(scene, ids["a@example.org"]) != "unsubscribed"
    assert not scene.account(a0).email_opt_out


def test_an_opt_out_made_in_the_crm_before_any_reconciliation_reaches_the_contact(
    scene: Scene,
) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    scene.opt_out_in_the_crm(account_ids(scene, "A1")[0])
    result = sync(scene)
    assert (result["cc_unsubscribed"], result["crm_opted_out"]) == (1, 0)
    assert permission(scene, ids["b@example.org"]) == "unsubscribed"
    assert permission(scene, ids["a@example.org"]) != "unsubscribed"


def test_an_opt_out_cleared_in_the_crm_itself_asks_the_contact_to_come_back(
    scene: Scene,
) -> None:
    ids = linked(scene, "a@example.org")
    (a0,) = account_ids(scene, "A0")
    scene.cli("settings", "set", "unsubscribe.crm_clear_resubscribes=true")
    sync(scene)
    scene.opt_out_in_the_crm(a0)
    assert sync(scene)["cc_unsubscribed"] == 1
    scene.opt_out_in_the_crm(a0, False)
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = sync(scene)
    assert result["cc_resubscribe_requested"] == 1
    assert writes(scene) == {"PUT /v3/contacts/resubscribe/{contact_id}": 1}
    assert permission(scene, ids["a@example.org"]) == "unsubscribed"  # until it confirms
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = sync(scene)
    assert (again["cc_resubscribe_requested"], writes(scene)) == (0, {})


@pytest.mark.parametrize("allowed", [True, False])
def test_an_account_made_opt_out_is_reversed_only_with_the_setting(
    scene: Scene, allowed: bool
) -> None:
    ids = linked(scene, "a@example.org")
    a0 = scene.ids["A0"]
    scene.cli("settings", "set", f"unsubscribe.crm_clear_resubscribes={str(allowed).lower()}")
    opt_out_in_crm(scene, a0)
    sync(scene)
    opt_out_in_crm(scene, a0, False)
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = sync(scene)
    # Reversal is CC's resubscribe request: the contact stays out until it confirms.
    assert permission(scene, ids["a@example.org"]) == "unsubscribed"
    asked = writes(scene).get("PUT /v3/contacts/resubscribe/{contact_id}", 0)
    assert asked == (1 if allowed else 0)
    assert bool(result["errors"]) is not allowed
    cc_side = history(scene.store, scene.connection_id, Side.CC, ids["a@example.org"])
    assert (cc_side[-1].change.new == "resubscribe requested") is allowed


def test_opposite_changes_at_once_end_opted_out_on_both_sides(scene: Scene) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    a0, a1 = account_ids(scene, "A0", "A1")
    scene.unsubscribe(ids["b@example.org"])
    sync(scene)  # b: out on both sides
    scene.unsubscribe(ids["a@example.org"])
    scene.crm.update_fields(a0, {"first_name": "Ann"}, reason="staff edit")
    resubscribe_by_the_contact(scene, ids["b@example.org"])
    opt_out_in_crm(scene, a1, False)
    opt_out_in_crm(scene, a1, True)
    sync(scene)
    for account, email in ((a0, "a@example.org"), (a1, "b@example.org")):
        assert scene.account(account).email_opt_out
        assert permission(scene, ids[email]) == "unsubscribed"


@pytest.mark.parametrize("setting", ["unsubscribe.cc_to_crm", "unsubscribe.crm_to_cc"])
@edge
def test_each_setting_off_disables_its_direction(scene: Scene, setting: str) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    a0, a1 = account_ids(scene, "A0", "A1")
    assert scene.cli("settings", "set", f"{setting}=false").exit_code == 0
    scene.unsubscribe(ids["a@example.org"])
    opt_out_in_crm(scene, a1)
    result = sync(scene)
    cc_to_crm = setting != "unsubscribe.cc_to_crm"
    assert scene.account(a0).email_opt_out is cc_to_crm
    assert (permission(scene, ids["b@example.org"]) == "unsubscribed") is not cc_to_crm
    assert (result["crm_opted_out"], result["cc_unsubscribed"]) == (
        int(cc_to_crm),
        int(not cc_to_crm),
    )


@edge
def test_a_second_run_with_no_changes_makes_no_write_calls(scene: Scene) -> None:
    ids = linked(scene, "a@example.org", "b@example.org", "c@example.org")
    a1 = scene.ids["A1"]
    scene.unsubscribe(ids["a@example.org"])
    opt_out_in_crm(scene, a1)
    first = sync(scene)
    assert (first["crm_opted_out"], first["cc_unsubscribed"]) == (1, 1)
    scene.cc.control.post("/counters/reset").raise_for_status()
    second = sync(scene)
    assert (second["crm_opted_out"], second["cc_unsubscribed"], second["errors"]) == (0, 0, [])
    assert writes(scene) == {}
    assert second["run_id"] != first["run_id"]


def test_a_staff_edit_is_not_an_opt_out_so_the_contacts_resubscribe_stands(scene: Scene) -> None:
    ids = linked(scene, "a@example.org")
    a0 = scene.ids["A0"]
    scene.unsubscribe(ids["a@example.org"])
    sync(scene)
    resubscribe_by_the_contact(scene, ids["a@example.org"])
    scene.crm.update_fields(a0, {"first_name": "Ann"}, reason="staff edit")
    result = sync(scene)
    assert (result["crm_opt_out_cleared"], result["cc_unsubscribed"]) == (1, 0)
    assert permission(scene, ids["a@example.org"]) == "explicit"


@edge
def test_a_held_lock_is_exit_3_and_the_change_waits_for_the_next_run(scene: Scene) -> None:
    ids = linked(scene, "a@example.org")
    a0 = scene.ids["A0"]
    scene.unsubscribe(ids["a@example.org"])
    with connection_lock(scene.store, scene.connection_id, holder_here("push")):
        answer = scene.cli("unsubscribes", "sync", "--json")
    assert answer.exit_code == 3, answer.output
    assert "push" in answer.stderr
    assert not scene.account(a0).email_opt_out
    assert sync(scene)["crm_opted_out"] == 1
    assert scene.account(a0).email_opt_out
