"""`push.on_crm_delete`: what a push does to the contact of an account removed from the CRM
for good (or blanked) — keep it, take it off its lists, or delete it — checked in the
emulator's state."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.crms import DELETES, only
from tests.sync.test_push import adds_up, cc_contact, push

pytestmark = only(DELETES)


def _two_pushed(scene: Scene) -> tuple[str, str, str]:
    """The list, the blanked account and its contact."""
    news = scene.add_list("News")
    gone = scene.add_account("gone", "gone@example.org", "G", "One")
    blank = scene.add_account("blank", "blank@example.org", "B", "Lank")
    push(scene, "--list", "News")
    scene.purge_account(gone)
    scene.crm.update_fields(blank, {"email": ""}, reason="test")
    return news, blank, scene.contact_of(blank)


def test_keep_is_the_default_and_touches_nothing(scene: Scene) -> None:
    news, _, _ = _two_pushed(scene)
    result = push(scene)
    adds_up(result, 1)
    assert result["not_pushed"] == 1
    assert news in cc_contact(scene, "gone@example.org").lists
    assert news in cc_contact(scene, "blank@example.org").lists


def test_remove_from_lists(scene: Scene) -> None:
    news, _, _ = _two_pushed(scene)
    assert scene.cli("settings", "set", "push.on_crm_delete=remove_from_lists").exit_code == 0
    push(scene)
    for email in ("gone@example.org", "blank@example.org"):
        contact = cc_contact(scene, email)
        assert news not in (contact.lists or ())
        assert not contact.is_deleted
        assert not contact.is_unsubscribed
    scene.cc.control.post("/counters/reset").raise_for_status()
    push(scene)
    assert "POST /v3/activities/remove_list_memberships" not in scene.cc.counters()["by_endpoint"]


def test_delete_contact(scene: Scene) -> None:
    _, blank, blank_contact = _two_pushed(scene)
    assert scene.cli("settings", "set", "push.on_crm_delete=delete_contact").exit_code == 0
    push(scene)
    assert scene.cc.state.contacts.by_id[blank_contact].is_deleted
    assert all(c.is_deleted for c in scene.cc.state.contacts.by_id.values())
    assert scene.contact_of(blank) == ""
