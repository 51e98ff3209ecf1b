"""People who share an e-mail address, through push, lists add and sync full (issue 12):
one contact per address, never a crash, every other account reported with the one
that holds the address, and an opt-out of anyone at the address holding it for all."""

from __future__ import annotations

from typing import Any

from tests.sync.conftest import Scene
from tests.sync.lists_support import lists, reset_counters, writes
from tests.sync.test_push import adds_up, push

HOME = "emile.obrien1@example.org"


def _reasons(result: dict[str, Any]) -> dict[str, str]:
    return {e["account_id"]: e["reason"] for e in result["errors"]}


def live_contacts(scene: Scene) -> list[Any]:
    with scene.cc.state.lock:
        return [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]


def test_a_household_gets_one_contact_and_the_other_account_is_reported(scene: Scene) -> None:
    scene.add_list("Newsletter")
    emile = scene.add_account("P0001", HOME, "Emile", "O'Brien")
    emma = scene.add_account("P0002", HOME.upper(), "Emma", "O'Brien")
    eli = scene.add_account("P0003", f"  {HOME} ", "Eli", "O'Brien")
    result = push(scene, "--list", "Newsletter")
    adds_up(result, 3)
    assert (result["created"], result["not_pushed"]) == (1, 2)
    reasons = _reasons(result)
    assert f"account {emile} has it too" in reasons[emma]
    assert "shares its e-mail address" in reasons[eli]
    [contact] = live_contacts(scene)
    assert scene.contact_of(emile) == contact.contact_id
    assert scene.contact_of(emma) == ""
    reset_counters(scene)
    again = push(scene, "--list", "Newsletter")
    assert (again["already_linked"], again["not_pushed"]) == (1, 2)
    assert writes(scene) == {}


def test_the_account_named_as_the_existing_contact_holds_it(scene: Scene) -> None:
    scene.add_list("Newsletter")
    contact_id = scene.add_contact(HOME, "Emma", "O'Brien")
    emile = scene.add_account("P0001", HOME, "Emile", "O'Brien")
    emma = scene.add_account("P0002", HOME, "Emma", "O'Brien")
    result = push(scene, "--list", "Newsletter")
    assert (result["matched_existing"], result["not_pushed"]) == (1, 1)
    assert scene.contact_of(emma) == contact_id
    assert f"account {emma} has it too" in _reasons(result)[emile]


def test_an_opted_out_member_of_the_household_holds_the_address(scene: Scene) -> None:
    scene.add_list("Newsletter")
    emile = scene.add_account("P0001", HOME, "Emile", "O'Brien")
    emma = scene.add_account("P0002", HOME, "Emma", "O'Brien", email_opt_out=True)
    result = push(scene, "--list", "Newsletter")
    adds_up(result, 2)
    assert result["created"] == 0
    assert f"account {emma} has it too" in _reasons(result)[emile]
    assert "opted-out" in _reasons(result)[emile]
    assert live_contacts(scene) == []


def test_lists_add_of_the_second_member_names_the_linked_one(scene: Scene) -> None:
    lists(scene, "create", "News")
    emile = scene.add_account("P0001", HOME, "Emile", "O'Brien")
    lists(scene, "add", "News", "--account", emile, "--json")
    emma = scene.add_account("P0002", HOME.upper(), "Emma", "O'Brien")
    done = lists(scene, "add", "News", "--account", emma, "--json")
    [error] = done["errors"]
    assert error["account_id"] == emma
    assert f"account {emile} has it too" in error["reason"]
    assert len(live_contacts(scene)) == 1


def test_an_address_whose_contact_is_another_accounts_is_not_linked_again(scene: Scene) -> None:
    """Ann moved to a new address; Bob took her old one: Ann's contact stays hers."""
    scene.add_list("Newsletter")
    ann = scene.add_account("ann", "old@example.org", "Ann", "A")
    push(scene, "--list", "Newsletter")
    scene.crm.update_fields(ann, {"email": "ann@example.org"}, reason="moved")
    scene.cli("settings", "set", "push.new_contact_on_email_change=true")
    bob = scene.add_account("bob", "old@example.org", "Bob", "B")
    result = push(scene, "--list", "Newsletter")
    adds_up(result, 2)
    assert result["created"] == 1  # Ann's new address
    assert _reasons(result)[bob].endswith(f"linked to account {ann}")


def test_sync_full_on_households_succeeds_and_a_second_run_writes_nothing(scene: Scene) -> None:
    lists(scene, "create", "News")
    household = [
        scene.add_account("P0001", HOME, "Emile", "O'Brien"),
        scene.add_account("P0002", HOME.upper(), "Emma", "O'Brien"),
        scene.add_account("P0003", "solo@example.org", "So", "Lo"),
    ]
    for account in household:
        scene.crm.add_to_list("News", [account], reason="test")
    for _ in range(2):
        answer = scene.cli("sync", "full", "--json")
        assert answer.exit_code == 0, answer.output
    assert len(live_contacts(scene)) == 2
    reset_counters(scene)
    assert scene.cli("sync", "full", "--json").exit_code == 0
    assert writes(scene) == {}
