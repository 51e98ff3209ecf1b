"""`lists sync` against the emulator: each direction, bound lists, changes made in CC,
conflicts, consent, the blast-radius guard, equal counts after a sync, no-change runs."""

from __future__ import annotations

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import CUSTOM_FIELDS, edge, only
from tests.sync.lists_support import (
    cc_add,
    cc_list_id,
    cc_list_names,
    cc_members,
    cc_remove,
    crm_members,
    email,
    emails,
    failed,
    ids,
    lists,
    overview,
    people,
    reset_counters,
    run,
    runs,
    sync,
    writes,
)

from listbridge.core.list_plan import Why


def seeded(scene: Scene, name: str, *names: str) -> None:
    """A CC list with a contact per name on it, each linked to an account of that name (by
    import)."""
    if name not in scene.lists:
        scene.add_list(name)
    for person in names:
        if scene.cc.state.contacts.find_email(email(person)) is None:
            scene.add_contact(email(person), "F", person, lists=(name,))
            people(scene, person)
        else:
            cc_add(scene, name, email(person))
    scene.import_json()


def checkbox(scene: Scene, field: str, *ticked: str) -> None:
    answer = scene.cli("crm", "fields", "add", field, "--type", "boolean")
    assert answer.exit_code == 0, answer.output
    for name in ticked:
        tick(scene, name, field)


def tick(scene: Scene, name: str, field: str, on: bool = True) -> None:
    scene.crm.update_fields(scene.ids[name], {f"custom.{field}": on}, reason="staff")


def test_crm_to_cc_mirrors_the_crm_list_creating_and_matching_contacts(scene: Scene) -> None:
    lists(scene, "create", "News")
    known = scene.add_contact("b@example.org", "F", "b")
    a, b, c = people(scene, "a", "b", "c")
    scene.crm.add_to_list("News", [a, b, c], reason="staff")
    first = sync(scene, direction="crm_to_cc")
    assert (first["added_to_cc"], first["status"], first["errors"]) == (3, "succeeded", [])
    assert cc_members(scene, "News") == emails("a", "b", "c")
    assert scene.contact_of(b) == known
    scene.crm.remove_from_list("News", [c], reason="staff")
    second = sync(scene, direction="crm_to_cc", extra=("--confirm",))
    assert (second["added_to_cc"], second["removed_from_cc"]) == (0, 1)
    assert cc_members(scene, "News") == emails("a", "b")
    contact = scene.cc.state.contacts.find_email(email("c"))
    assert contact is not None
    assert not contact.is_deleted


def test_cc_to_crm_makes_and_fills_the_crm_list_from_cc(scene: Scene) -> None:
    seeded(scene, "From CC", "a", "b")
    assert scene.crm.lists() == []
    result = sync(scene, direction="cc_to_crm")
    assert (result["added_to_crm"], result["added_to_cc"]) == (2, 0)
    assert crm_members(scene, "From CC") == {"a", "b"}
    cc_add(scene, "From CC", email("a"))  # no change: already on it
    seeded(scene, "From CC", "c")
    cc_remove(scene, "From CC", email("a"))
    again = sync(scene, direction="cc_to_crm", extra=("--confirm",))
    assert (again["added_to_crm"], again["removed_from_crm"]) == (1, 1)
    assert crm_members(scene, "From CC") == {"b", "c"}
    assert scene.crm.get(scene.ids["a"]) is not None


def test_a_list_renamed_in_cc_is_renamed_in_the_crm(scene: Scene) -> None:
    seeded(scene, "Before", "a")
    sync(scene)
    scene.client.update_list(scene.lists["Before"], "After")
    result = sync(scene, direction="cc_to_crm")
    assert result["per_list"][0]["renamed_to"] == "After"
    assert scene.crm.lists() == ["After"]
    assert crm_members(scene, "After") == {"a"}
    assert sync(scene)["per_list"][0]["renamed_to"] is None


def test_a_list_renamed_in_the_crm_is_renamed_in_cc(scene: Scene) -> None:
    seeded(scene, "Before", "a")
    sync(scene)
    scene.crm.rename_list("Before", "After", reason="staff")
    sync(scene, direction="crm_to_cc")
    assert cc_list_names(scene) == {"After"}


def test_a_list_deleted_in_cc_is_deleted_in_the_crm_accounts_stay(scene: Scene) -> None:
    seeded(scene, "Doomed", "a", "b")
    seeded(scene, "Kept", "a")
    sync(scene)
    scene.cc.wait()
    activity = scene.client.delete_list(scene.lists["Doomed"])
    scene.cc.wait()
    assert scene.client.get_activity(activity.activity_id).state == "completed"
    result = sync(scene, direction="cc_to_crm")
    assert [o["deleted"] for o in result["per_list"] if o["name"] == "Doomed"] == [True]
    assert scene.crm.lists() == ["Kept"]
    assert {scene.name_of(a.id) for a in scene.accounts()} == {"a", "b"}
    assert set(overview(scene)) == {"Kept"}


def test_a_list_deleted_in_the_crm_is_deleted_in_cc(scene: Scene) -> None:
    seeded(scene, "Doomed", "a")
    seeded(scene, "Kept", "a")
    sync(scene)
    scene.crm.delete_list("Doomed", reason="staff")
    result = sync(scene, direction="crm_to_cc")
    assert [o["deleted"] for o in result["per_list"] if o["name"] == "Doomed"] == [True]
    assert cc_list_names(scene) == {"Kept"}
    assert scene.crm.lists() == ["Kept"]
    assert scene.cc.state.contacts.find_email(email("a")).is_deleted is False


def test_a_contact_deleted_in_cc_leaves_the_crm_list_and_the_account_stays(
    scene: Scene,
) -> None:
    seeded(scene, "News", "a", "b")
    sync(scene)
    assert crm_members(scene, "News") == {"a", "b"}
    scene.client.delete_contact(scene.cc.state.contacts.find_email(email("a")).contact_id)
    result = sync(scene, extra=("--confirm",))
    assert result["removed_from_crm"] == 1
    assert crm_members(scene, "News") == {"b"}
    assert scene.crm.get(scene.ids["a"]) is not None


def test_a_bound_filter_adds_who_matches_and_removes_who_stops(scene: Scene) -> None:
    lists(scene, "create", "MA")
    people(scene, "a", "b", "c", state="MA")
    people(scene, "nh", state="NH")
    lists(scene, "bind", "MA", "--where", 'state = "MA"')
    first = sync(scene, "MA", direction="crm_to_cc")
    assert first["added_to_cc"] == 3
    assert cc_members(scene, "MA") == emails("a", "b", "c")
    assert crm_members(scene, "MA") == {"a", "b", "c"}  # the rule, materialised
    scene.crm.update_fields(scene.ids["c"], {"state": "NH"}, reason="moved")
    scene.crm.update_fields(scene.ids["nh"], {"state": "MA"}, reason="moved")
    second = sync(scene, "MA", direction="crm_to_cc", extra=("--confirm",))
    assert (second["added_to_cc"], second["removed_from_cc"]) == (1, 1)
    assert cc_members(scene, "MA") == emails("a", "b", "nh")
    assert crm_members(scene, "MA") == {"a", "b", "nh"}
    contact = scene.cc.state.contacts.find_email(email("c"))
    assert contact is not None
    assert not contact.is_deleted


@only(CUSTOM_FIELDS)  # the checkbox is a custom field
def test_a_list_bound_to_a_checkbox_follows_the_ticks(scene: Scene) -> None:
    lists(scene, "create", "News")
    people(scene, "a", "b", "c")
    checkbox(scene, "Wants News", "a", "b")
    lists(scene, "bind", "News", "--crm-list", "Wants News")
    sync(scene, direction="crm_to_cc")
    assert cc_members(scene, "News") == emails("a", "b")
    tick(scene, "b", "Wants News", on=False)
    tick(scene, "c", "Wants News")
    sync(scene, direction="crm_to_cc", extra=("--confirm",))
    assert cc_members(scene, "News") == emails("a", "c")


def test_a_list_bound_to_another_crm_list_follows_it(scene: Scene) -> None:
    lists(scene, "create", "News")
    a, b = people(scene, "a", "b")
    scene.crm.create_list("Donors", reason="staff")
    scene.crm.add_to_list("Donors", [a, b], reason="staff")
    lists(scene, "bind", "News", "--crm-list", "Donors")
    sync(scene, direction="crm_to_cc")
    assert cc_members(scene, "News") == emails("a", "b")
    scene.crm.remove_from_list("Donors", [a], reason="staff")
    sync(scene, direction="crm_to_cc", extra=("--confirm",))
    assert cc_members(scene, "News") == emails("b")
    assert crm_members(scene, "Donors") == {"b"}


@only(CUSTOM_FIELDS)  # the CRM's side is a checkbox, a custom field
def test_opposite_changes_on_both_sides_the_removal_wins_and_is_listed(scene: Scene) -> None:
    seeded(scene, "News", "a", "b")
    checkbox(scene, "Wants News", "b")
    lists(scene, "bind", "News", "--crm-list", "Wants News")
    sync(scene)  # a came from CC (not ticked), b from both: the union
    assert cc_members(scene, "News") == emails("a", "b")
    tick(scene, "a", "Wants News")  # the CRM adds a …
    cc_remove(scene, "News", email("a"))  # … while CC takes a off
    result = sync(scene, extra=("--confirm",))
    assert result["status"] == "succeeded"
    [outcome] = result["per_list"]
    assert outcome["conflicts"] == [
        {"account_id": scene.ids["a"], "crm": "added", "cc": "removed", "outcome": "not added"}
    ]
    assert cc_members(scene, "News") == emails("b")
    assert crm_members(scene, "News") == {"b"}
    recorded = run(scene, result["run_id"])
    assert recorded["status"] == "succeeded"
    [row] = recorded["errors"]
    assert row["account_id"] == scene.ids["a"]
    assert "the removal wins" in row["reason"]


@only(CUSTOM_FIELDS)  # the CRM's side is a checkbox, a custom field
def test_added_in_cc_and_removed_in_the_crm_the_removal_wins(scene: Scene) -> None:
    seeded(scene, "Other", "a", "b")
    lists(scene, "create", "News")
    checkbox(scene, "Wants News", "a")
    lists(scene, "bind", "News", "--crm-list", "Wants News")
    sync(scene, "News", direction="cc_to_crm")  # the CRM side's base holds a, CC's does not
    cc_add(scene, "News", email("a"), email("b"))  # CC adds a (and b) …
    tick(scene, "a", "Wants News", on=False)  # … while the CRM takes a off
    result = sync(scene, "News", extra=("--confirm",))  # 1 of 2 is over the guard
    assert result["per_list"][0]["conflicts"] == [
        {"account_id": scene.ids["a"], "crm": "removed", "cc": "added", "outcome": "removed"}
    ]
    assert (result["status"], result["removed_from_cc"]) == ("succeeded", 1)
    assert cc_members(scene, "News") == emails("b")
    assert crm_members(scene, "News") == {"b"}


@pytest.mark.parametrize("direction", ["crm_to_cc", "both"])
def test_an_unsubscribed_contact_is_never_put_on_a_list(scene: Scene, direction: str) -> None:
    seeded(scene, "Other", "gone")
    scene.unsubscribe(scene.cc.state.contacts.find_email(email("gone")).contact_id)
    lists(scene, "create", "News")
    people(scene, "ok")
    scene.crm.add_to_list("News", ids(scene, "gone", "ok"), reason="staff")
    result = sync(scene, "News", direction=direction)
    assert (result["failed_subscriptions"], result["status"]) == (1, "partial")
    failure = (scene.ids["gone"], f"{Why.UNSUBSCRIBED.value} (list 'News')")
    assert [(e["account_id"], e["reason"]) for e in result["errors"]] == [failure]
    assert cc_members(scene, "News") == emails("ok")
    assert scene.cc.state.contacts.find_email(email("gone")).is_unsubscribed
    # both: the CRM list becomes what the CC list holds; crm_to_cc leaves it alone
    assert crm_members(scene, "News") == ({"ok"} if direction == "both" else {"gone", "ok"})
    recorded = run(scene, result["run_id"])
    assert [(e["account_id"], e["reason"]) for e in recorded["errors"]] == [failure]


def test_an_unsubscribed_contact_the_rule_selects_is_not_added(scene: Scene) -> None:
    seeded(scene, "Other", "gone")
    scene.crm.update_fields(scene.ids["gone"], {"state": "MA"}, reason="staff")
    scene.unsubscribe(scene.cc.state.contacts.find_email(email("gone")).contact_id)
    lists(scene, "create", "MA")
    people(scene, "ok", state="MA")
    lists(scene, "bind", "MA", "--where", 'state = "MA"')
    result = sync(scene, "MA", direction="crm_to_cc")
    assert result["failed_subscriptions"] == 1
    assert [e["account_id"] for e in result["errors"]] == ids(scene, "gone")
    assert cc_members(scene, "MA") == emails("ok")
    assert scene.cc.state.contacts.find_email(email("gone")).is_unsubscribed
    assert scene.account(scene.ids["gone"]).email_opt_out  # carried to the CRM: the rule drops it
    again = sync(scene, "MA", direction="crm_to_cc")
    assert (again["failed_subscriptions"], again["added_to_cc"], again["errors"]) == (0, 0, [])
    assert cc_members(scene, "MA") == emails("ok")


@edge
def test_the_guard_stops_a_big_removal_before_writing_anything(scene: Scene) -> None:
    lists(scene, "create", "News")
    names = [f"p{n}" for n in range(10)]
    made = people(scene, *names)
    scene.crm.add_to_list("News", made, reason="staff")
    sync(scene, direction="crm_to_cc")
    scene.crm.remove_from_list("News", made[:2], reason="staff")
    before = len(runs(scene))
    reset_counters(scene)
    said = failed(scene, "sync", "--direction", "crm_to_cc")
    assert "would remove 2 of 10 members (20%) of 'News' from Constant Contact" in said
    assert "--confirm" in said
    assert writes(scene) == {}
    assert cc_members(scene, "News") == emails(*names)
    assert crm_members(scene, "News") == set(names[2:])
    stopped = runs(scene)[0]
    assert (len(runs(scene)), stopped["status"]) == (before + 1, "failed")
    dry = sync(scene, direction="crm_to_cc", extra=("--dry-run",))
    assert "would remove 2 of 10 members (20%) of 'News'" in dry["stopped"]
    assert (dry["run_id"], dry["per_list"][0]["removed_from_cc"]) == (None, 2)
    assert (len(runs(scene)), writes(scene)) == (before + 1, {})
    done = sync(scene, direction="crm_to_cc", extra=("--confirm",))
    assert done["removed_from_cc"] == 2
    assert cc_members(scene, "News") == emails(*names[2:])


@edge
def test_a_run_the_guard_stopped_leaves_the_cc_changes_for_the_next_one(scene: Scene) -> None:
    names = [f"p{n}" for n in range(10)]
    seeded(scene, "News", *names)
    sync(scene)
    scene.unsubscribe(scene.cc.state.contacts.find_email(email("p0")).contact_id)
    scene.crm.remove_from_list("News", ids(scene, *names[1:3]), reason="staff")
    assert "would remove 2 of 9 members" in failed(scene, "sync", "--direction", "both")
    result = sync(scene, extra=("--confirm",))
    assert (result["removed_from_cc"], result["removed_from_crm"]) == (2, 1)
    assert cc_members(scene, "News") == emails(*names[3:])
    assert crm_members(scene, "News") == set(names[3:])
    shown = overview(scene)["News"]
    assert shown["crm_members"] == shown["cc_members"] == 7


@edge
def test_a_dry_run_shows_the_plan_and_writes_nothing(scene: Scene) -> None:
    lists(scene, "create", "News")
    scene.crm.add_to_list("News", people(scene, "a", "b"), reason="staff")
    seeded(scene, "CC only", "c")
    before = len(runs(scene))
    reset_counters(scene)
    result = sync(scene, direction="both", extra=("--dry-run",))
    assert (result["dry_run"], result["run_id"]) == (True, None)
    by_name = {o["name"]: o for o in result["per_list"]}
    assert (by_name["News"]["added_to_cc"], by_name["News"]["deleted"]) == (2, False)
    assert (by_name["CC only"]["added_to_crm"], by_name["CC only"]["deleted"]) == (1, False)
    assert writes(scene) == {}
    assert cc_members(scene, "News") == set()
    assert scene.crm.lists() == ["News"]
    assert len(runs(scene)) == before


def test_after_a_sync_both_every_list_has_equal_members_on_both_sides(scene: Scene) -> None:
    seeded(scene, "CC only", "a", "b", "c")
    seeded(scene, "Shared", "a", "d")
    lists(scene, "create", "CRM only")
    people(scene, "e")
    scene.crm.add_to_list("CRM only", ids(scene, "e", "a"), reason="staff")
    scene.crm.create_list("Shared", reason="staff")
    scene.crm.add_to_list("Shared", ids(scene, "b"), reason="staff")
    result = sync(scene)
    assert result["status"] == "succeeded", result
    shown = overview(scene)
    assert set(shown) == {"CC only", "Shared", "CRM only"}
    for name, members in (("CC only", "abc"), ("Shared", "abd"), ("CRM only", "ae")):
        assert shown[name]["crm_members"] == shown[name]["cc_members"] == len(members), name
        assert cc_members(scene, name) == emails(*members)
        assert crm_members(scene, name) == set(members)
        assert shown[name]["last_sync"] is not None


def test_a_second_sync_with_no_changes_makes_no_write_calls(scene: Scene) -> None:
    seeded(scene, "News", "a", "b")
    lists(scene, "create", "More")
    people(scene, "c")
    scene.crm.add_to_list("More", ids(scene, "c", "a"), reason="staff")
    first = sync(scene)
    assert first["added_to_cc"] + first["added_to_crm"] == 4
    reset_counters(scene)
    second = sync(scene)
    assert writes(scene) == {}
    counts = ("added_to_cc", "removed_from_cc", "added_to_crm", "removed_from_crm")
    assert [second[k] for k in counts] == [0, 0, 0, 0]
    assert second["run_id"] != first["run_id"]
    recorded = {r["run_id"]: r for r in runs(scene)}[second["run_id"]]
    assert (recorded["kind"], recorded["counts"]["lists"]) == ("lists", 2)


@edge
def test_every_list_sync_is_a_run_with_counts(scene: Scene) -> None:
    seeded(scene, "News", "a")
    result = sync(scene)
    recorded = run(scene, result["run_id"])
    assert (recorded["kind"], recorded["status"]) == ("lists", "succeeded")
    assert recorded["counts"]["added_to_crm"] == 1
    assert cc_list_id(scene, "News") == overview(scene)["News"]["cc_list_id"]
