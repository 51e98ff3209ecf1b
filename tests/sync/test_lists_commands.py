"""`lists create | rename | delete | hide | add | remove | bind` against the emulator: both
sides checked (the emulator's own state, the builtin CRM), every command a run."""

from __future__ import annotations

from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import CUSTOM_FIELDS, crm_free, edge, only
from tests.sync.lists_support import (
    accounts,
    cc_list_id,
    cc_list_names,
    cc_members,
    crm_members,
    email,
    emails,
    failed,
    lists,
    overview,
    people,
    reset_counters,
    run,
    runs,
    sync,
    writes,
)
from tests.sync.test_push import kept_out_where_the_crm_can

from listbridge.core.push_plan import Reason
from listbridge.store.locks import connection_lock, holder_here


def test_create_makes_the_list_on_both_sides_paired(scene: Scene) -> None:
    lists(scene, "create", "Newsletter")
    assert cc_list_names(scene) == {"Newsletter"}
    assert scene.crm.lists() == ["Newsletter"]
    shown = overview(scene)["Newsletter"]
    assert shown["status"] == "active"
    assert shown["cc_list_id"] == cc_list_id(scene, "Newsletter")
    assert (shown["crm_members"], shown["cc_members"]) == (0, 0)
    people(scene, "a")
    lists(scene, "add", "Newsletter", *accounts(scene, "a"))
    assert crm_members(scene, "Newsletter") == {"a"}  # paired: no second CRM list made
    assert scene.crm.lists() == ["Newsletter"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("newsletter", "already exists"),
        ("  ", "cannot be empty"),
        ("x" * 256, "at most 255"),
    ],
)
@edge
def test_create_refuses_a_clash_in_any_case_or_a_bad_name(
    scene: Scene, name: str, reason: str
) -> None:
    scene.add_list("Newsletter")
    assert reason in failed(scene, "create", name)
    assert cc_list_names(scene) == {"Newsletter"}
    assert scene.crm.lists() == []


@edge
def test_hidden_lists_show_as_hidden_and_can_be_unhidden(scene: Scene) -> None:
    lists(scene, "create", "Quiet", "--hidden")
    lists(scene, "create", "Loud")
    assert overview(scene)["Quiet"]["status"] == "hidden"
    lists(scene, "hide", "Loud")
    lists(scene, "hide", "Quiet", "--unhide")
    shown = overview(scene)
    assert (shown["Quiet"]["status"], shown["Loud"]["status"]) == ("active", "hidden")


@edge
def test_a_hidden_list_keeps_syncing(scene: Scene) -> None:
    lists(scene, "create", "Quiet", "--hidden")
    scene.crm.add_to_list("Quiet", people(scene, "a", "b"), reason="staff")
    result = sync(scene, direction="crm_to_cc")
    assert result["added_to_cc"] == 2
    assert cc_members(scene, "Quiet") == emails("a", "b")


def test_rename_renames_both_sides_and_refuses_a_clash(scene: Scene) -> None:
    lists(scene, "create", "Old")
    lists(scene, "create", "Other")
    lists(scene, "rename", "Old", "New")
    assert cc_list_names(scene) == {"New", "Other"}
    assert sorted(scene.crm.lists()) == ["New", "Other"]
    assert "already exists" in failed(scene, "rename", "New", "OTHER")
    assert cc_list_names(scene) == {"New", "Other"}
    assert sorted(scene.crm.lists()) == ["New", "Other"]
    assert "no Constant Contact list named 'Gone'" in failed(scene, "rename", "Gone", "X")


def test_delete_removes_the_list_on_both_sides_and_keeps_contacts_and_accounts(
    scene: Scene,
) -> None:
    lists(scene, "create", "Doomed")
    people(scene, "a", "b")
    lists(scene, "add", "Doomed", *accounts(scene, "a", "b"))
    list_id = cc_list_id(scene, "Doomed")
    assert list_id is not None
    lists(scene, "delete", "Doomed")
    assert scene.cc.state.lists[list_id].deleted_at is not None
    assert "Doomed" not in overview(scene)
    assert scene.crm.lists() == []
    for name in ("a", "b"):
        contact = scene.cc.state.contacts.find_email(email(name))
        assert contact is not None
        assert not contact.is_deleted
        assert scene.contact_of(scene.ids[name]) == contact.contact_id
    by_kind = [(r["kind"], r["message"]) for r in runs(scene)]
    assert ("lists", "lists delete 'Doomed'") in by_kind


def test_add_pushes_as_push_does_and_puts_them_on_both_lists(scene: Scene) -> None:
    lists(scene, "create", "News")
    known = scene.add_contact("known@example.org", "Kim", "Known")
    scene.add_account("known", "known@example.org", "Kim", "Known")
    people(scene, "new")
    result = lists(scene, "add", "News", *accounts(scene, "new", "known"), "--json")
    assert (result["selected"], result["added"], result["crm_added"]) == (2, 2, 2)
    assert (result["not_added"], result["errors"], result["status"]) == (0, [], "succeeded")
    assert scene.contact_of(scene.ids["known"]) == known  # matched by e-mail, not created
    created = scene.cc.state.contacts.find_email(email("new"))
    assert scene.contact_of(scene.ids["new"]) == created.contact_id
    assert len(scene.cc.state.contacts.by_id) == 2
    assert cc_members(scene, "News") == {"known@example.org", email("new")}
    assert crm_members(scene, "News") == {"known", "new"}
    again = lists(scene, "add", "News", *accounts(scene, "new"), "--json")
    assert (again["added"], again["crm_added"]) == (1, 0)  # already linked: subscribed again
    assert len(scene.cc.state.contacts.by_id) == 2
    recorded = {r["run_id"]: r for r in runs(scene)}[result["run_id"]]
    assert (recorded["kind"], recorded["counts"]["added"]) == ("lists", 2)


def test_add_keeps_out_who_the_defaults_exclude_naming_the_reason(scene: Scene) -> None:
    lists(scene, "create", "News")
    [ok] = people(scene, "ok")
    out = scene.add_account("out", "out@example.org", email_opt_out=True)
    kept_out = {out: Reason.OPTED_OUT.message} | kept_out_where_the_crm_can(scene)
    chosen = [arg for i in (ok, *kept_out) for arg in ("--account", i)]
    result = lists(scene, "add", "News", *chosen, "--json")
    counts = (result["selected"], result["added"], result["not_added"])
    assert counts == (1 + len(kept_out), 1, len(kept_out))
    assert {e["account_id"]: e["reason"] for e in result["errors"]} == kept_out
    assert cc_members(scene, "News") == {email("ok")}
    assert crm_members(scene, "News") == {"ok"}
    errors = run(scene, result["run_id"])["errors"]
    assert {e["account_id"] for e in errors} == set(kept_out)


def _member_levels(scene: Scene) -> None:
    levels = ("--type", "choice", "--choices", "Gold,Silver,Bronze")
    answer = scene.cli("crm", "fields", "add", "Member Level", *levels)
    assert answer.exit_code == 0, answer.output


def _created(day: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {"created_at": datetime.fromisoformat(day).replace(tzinfo=UTC)}


@only(CUSTOM_FIELDS)  # the filter reads a custom field
def test_add_where_selects_by_the_filter_and_the_defaults(scene: Scene) -> None:
    _member_levels(scene)
    lists(scene, "create", "MA members")
    gold = {"Member Level": "Gold"}
    people(scene, "gold", state="MA", custom=gold, **_created("2025-03-01"))
    people(scene, "silver", state="MA", custom={"Member Level": "Silver"}, **_created("2025-01-01"))
    people(scene, "bronze", state="MA", custom={"Member Level": "Bronze"}, **_created("2025-03-01"))
    people(scene, "old", state="MA", custom=gold, **_created("2024-12-31"))
    people(scene, "nh", state="NH", custom=gold, **_created("2025-03-01"))
    people(scene, "dead", state="MA", custom=gold, deceased=True, **_created("2025-03-01"))
    rule = (
        'state = "MA" and custom."Member Level" in ("Gold","Silver") and created_at >= 2025-01-01'
    )
    result = lists(scene, "add", "MA members", "--where", rule, "--json")
    assert (result["selected"], result["added"]) == (2, 2)
    assert cc_members(scene, "MA members") == emails("gold", "silver")
    assert crm_members(scene, "MA members") == {"gold", "silver"}


@pytest.mark.parametrize(
    ("rule", "column"),
    [
        ("state = MA", 9),
        ('state = "MA" and', 17),
        ("stat = 1", 1),
    ],
)
@edge
def test_an_invalid_filter_is_exit_2_naming_the_column(
    scene: Scene, rule: str, column: int
) -> None:
    lists(scene, "create", "News")
    people(scene, "a", state="MA")
    for command in (("add", "News", "--where", rule), ("bind", "News", "--where", rule)):
        assert f"column {column}:" in failed(scene, *command)
    assert cc_members(scene, "News") == set()
    assert crm_members(scene, "News") == set()


@edge
def test_an_unknown_account_is_exit_2_and_nothing_is_added(scene: Scene) -> None:
    lists(scene, "create", "News")
    [a] = people(scene, "a")
    assert "no CRM account with id nobody" in failed(
        scene, "add", "News", "--account", a, "--account", "nobody"
    )
    assert cc_members(scene, "News") == set()
    assert crm_members(scene, "News") == set()
    lists(scene, "add", "News", "--account", a)
    assert "no CRM account with id nobody" in failed(
        scene, "remove", "News", "--account", a, "--account", "nobody"
    )
    assert cc_members(scene, "News") == emails("a")
    assert crm_members(scene, "News") == {"a"}


def test_remove_takes_memberships_off_both_sides_and_deletes_nothing(scene: Scene) -> None:
    lists(scene, "create", "News")
    a, b = people(scene, "a", "b")
    lists(scene, "add", "News", "--account", a, "--account", b)
    result = lists(scene, "remove", "News", "--account", a, "--json")
    assert (result["removed"], result["crm_removed"], result["errors"]) == (1, 1, [])
    assert cc_members(scene, "News") == emails("b")
    assert crm_members(scene, "News") == {"b"}
    contact = scene.cc.state.contacts.find_email(email("a"))
    assert contact is not None
    assert not contact.is_deleted
    assert scene.crm.get(a) is not None
    again = sync(scene)  # nothing to undo: both sides changed together
    assert (again["added_to_cc"], again["added_to_crm"], again["removed_from_cc"]) == (0, 0, 0)


@edge
def test_bind_refuses_an_unknown_source_and_both_or_neither_rule(scene: Scene) -> None:
    lists(scene, "create", "News")
    assert "no CRM list or checkbox" in failed(scene, "bind", "News", "--crm-list", "Nope")
    assert "exactly one" in failed(scene, "bind", "News")
    assert "exactly one" in failed(scene, "bind", "News", "--where", "state = \"MA\"",
                                   "--crm-list", "News")  # fmt: skip


@crm_free
def test_a_held_lock_is_exit_3_and_nothing_is_created(scene: Scene) -> None:
    with connection_lock(scene.store, scene.connection_id, holder_here("push")):
        answer = scene.cli("lists", "create", "News")
        assert answer.exit_code == 3, answer.output
        assert "push" in answer.stderr
        sync_answer = scene.cli("lists", "sync", "--json")
        assert sync_answer.exit_code == 3, sync_answer.output
    assert cc_list_names(scene) == set()
    assert scene.crm.lists() == []


@edge
def test_a_case_only_rename_renames_both_sides(scene: Scene) -> None:
    lists(scene, "create", "Kl")
    people(scene, "a")
    lists(scene, "add", "Kl", *accounts(scene, "a"))
    reset_counters(scene)
    assert "lists renamed 1" in lists(scene, "rename", "Kl", "kl").output
    assert cc_list_names(scene) == {"kl"}
    assert scene.crm.lists() == ["kl"]
    assert set(overview(scene)) == {"kl"}
    assert (crm_members(scene, "kl"), cc_members(scene, "kl")) == ({"a"}, emails("a"))
    assert writes(scene) == {"PUT /v3/contact_lists/{list_id}": 1}  # CC takes it in one
    # A case-only rename in the CRM reaches CC through a list sync the same way.
    scene.crm.rename_list("kl", "KL", reason="staff")
    assert sync(scene)["per_list"][0]["renamed_to"] == "KL"
    assert (cc_list_names(scene), scene.crm.lists()) == ({"KL"}, ["KL"])
