"""An account deleted in the CRM (`crm delete`, CiviCRM's trash, Vtiger's recycle bin), then
the jobs: `push.on_crm_delete` acts on the contact of an account marked deleted as on
one removed, a list sync reads it as off its CRM lists (checked in the emulator's
state), and the builtin CRM's `crm load` brings it back linked to its contact."""

from __future__ import annotations

from pathlib import Path

from tests.sync.conftest import Scene
from tests.sync.crms import BUILTIN_COMMANDS, DELETES, only
from tests.sync.lists_support import cc_members, crm_members, emails, ids, lists, people, sync
from tests.sync.test_push import adds_up, cc_contact, push

pytestmark = only(DELETES)


def _pushed_then_deleted(scene: Scene) -> tuple[str, str]:
    """The list, and the account deleted."""
    news = scene.add_list("News")
    gone = scene.add_account("gone", "gone@example.org", "G", "One")
    scene.add_account("kept", "kept@example.org", "K", "Two")
    adds_up(push(scene, "--list", "News"), 2)
    assert news in cc_contact(scene, "gone@example.org").lists
    scene.delete_account(gone)
    return news, gone


def test_remove_from_lists_takes_a_deleted_accounts_contact_off_its_lists(scene: Scene) -> None:
    news, _ = _pushed_then_deleted(scene)
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


def test_keep_leaves_the_contact_of_a_deleted_account_alone(scene: Scene) -> None:
    news, gone = _pushed_then_deleted(scene)
    result = push(scene)  # push.on_crm_delete=keep, the default
    assert (result["already_linked"], result["errors"]) == (1, [])
    assert news in cc_contact(scene, "gone@example.org").lists
    assert scene.contact_of(gone) == cc_contact(scene, "gone@example.org").contact_id


@only(BUILTIN_COMMANDS)  # `crm load` restores an account of the builtin CRM
def test_keep_leaves_the_contact_and_a_load_restores_the_account(
    scene: Scene, tmp_path: Path
) -> None:
    news, gone = _pushed_then_deleted(scene)
    push(scene)  # push.on_crm_delete=keep, the default
    assert news in cc_contact(scene, "gone@example.org").lists
    file = tmp_path / "back.csv"
    file.write_text("id,first_name,last_name,email\ngone,G,One,gone@example.org\n")
    assert scene.cli("crm", "load", str(file)).exit_code == 0
    result = push(scene, "--list", "News")
    adds_up(result, 2)
    assert result["created"] == 0  # still linked to its contact: nothing duplicated
    assert scene.contact_of(gone) == cc_contact(scene, "gone@example.org").contact_id


def test_lists_sync_reads_a_deleted_member_as_off_the_crm_list(scene: Scene) -> None:
    lists(scene, "create", "News")
    people(scene, "a", "b")
    scene.crm.add_to_list("News", ids(scene, "a", "b"), reason="staff")
    assert sync(scene, direction="crm_to_cc")["added_to_cc"] == 2
    scene.delete_account(scene.ids["b"])
    assert crm_members(scene, "News") == {"a"}
    result = sync(scene, direction="crm_to_cc", extra=("--confirm",))
    assert (result["added_to_cc"], result["removed_from_cc"]) == (0, 1)
    assert cc_members(scene, "News") == emails("a")


def test_an_import_never_links_a_contact_to_a_deleted_account(scene: Scene) -> None:
    """With `delete_contact`, a link to a deleted account would cost the contact."""
    scene.add_list("News")
    gone = scene.add_account("gone", "back@example.org", "Bea", "Back")
    scene.delete_account(gone)
    contact_id = scene.add_contact("back@example.org", "Bea", "Back", lists=("News",))
    result = scene.import_json()
    assert (result["created"], result["matched"]) == (1, 0)
    assert scene.crm.get(gone) is None
    assert scene.imported(contact_id).id != gone
