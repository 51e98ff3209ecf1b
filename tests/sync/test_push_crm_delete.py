"""`crm delete` then the jobs: `push.on_crm_delete` acts on the contact of an account marked
deleted as on one removed, a list sync reads it as off its CRM lists (checked in the
emulator's state), and `crm load` brings it back linked to its contact."""

from __future__ import annotations

from pathlib import Path

from tests.sync.conftest import Scene
from tests.sync.lists_support import cc_members, emails, lists, people, sync
from tests.sync.test_push import adds_up, cc_contact, push


def _pushed_then_deleted(scene: Scene) -> str:
    news = scene.add_list("News")
    scene.add_account("gone", "gone@example.org", "G", "One")
    scene.add_account("kept", "kept@example.org", "K", "Two")
    adds_up(push(scene, "--list", "News"), 2)
    assert news in cc_contact(scene, "gone@example.org").lists
    answer = scene.cli("crm", "delete", "gone")
    assert answer.exit_code == 0, answer.output
    return news


def test_remove_from_lists_takes_a_deleted_accounts_contact_off_its_lists(scene: Scene) -> None:
    news = _pushed_then_deleted(scene)
    assert scene.cli("settings", "set", "push.on_crm_delete=remove_from_lists").exit_code == 0
    push(scene)
    gone = cc_contact(scene, "gone@example.org")
    assert news not in (gone.lists or ())
    assert not gone.is_deleted
    assert not gone.is_unsubscribed
    assert news in cc_contact(scene, "kept@example.org").lists
    scene.cc.control.post("/counters/reset").raise_for_status()
    push(scene)  # done once: the next push does not remove it again
    assert "POST /v3/activities/remove_list_memberships" not in scene.cc.counters()["by_endpoint"]


def test_keep_leaves_the_contact_and_a_load_restores_the_account(
    scene: Scene, tmp_path: Path
) -> None:
    news = _pushed_then_deleted(scene)
    push(scene)  # push.on_crm_delete=keep, the default
    assert news in cc_contact(scene, "gone@example.org").lists
    file = tmp_path / "back.csv"
    file.write_text("id,first_name,last_name,email\ngone,G,One,gone@example.org\n")
    assert scene.cli("crm", "load", str(file)).exit_code == 0
    result = push(scene, "--list", "News")
    adds_up(result, 2)
    assert result["created"] == 0  # still linked to its contact: nothing duplicated
    assert scene.account("gone").cc_contact_id == cc_contact(scene, "gone@example.org").contact_id


def test_lists_sync_reads_a_deleted_member_as_off_the_crm_list(scene: Scene) -> None:
    lists(scene, "create", "News")
    people(scene, "a", "b")
    scene.crm.add_to_list("News", ["a", "b"], reason="staff")
    assert sync(scene, direction="crm_to_cc")["added_to_cc"] == 2
    assert scene.cli("crm", "delete", "b").exit_code == 0
    assert list(scene.crm.list_members("News")) == ["a"]
    result = sync(scene, direction="crm_to_cc", extra=("--confirm",))
    assert (result["added_to_cc"], result["removed_from_cc"]) == (0, 1)
    assert cc_members(scene, "News") == emails("a")


def test_an_import_never_links_a_contact_to_a_deleted_account(scene: Scene) -> None:
    """With `delete_contact`, a link to a deleted account would cost the contact."""
    scene.add_list("News")
    scene.add_account("gone", "back@example.org", "Bea", "Back")
    assert scene.cli("crm", "delete", "gone").exit_code == 0
    contact_id = scene.add_contact("back@example.org", "Bea", "Back", lists=("News",))
    result = scene.import_json()
    assert (result["created"], result["matched"]) == (1, 0)
    assert scene.crm.get("gone") is None
    [account] = [a for a in scene.accounts() if a.cc_contact_id == contact_id]
    assert account.id != "gone"
