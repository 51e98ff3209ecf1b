"""A changed e-mail: the linked contact's address is updated (its history kept), or with
`push.new_contact_on_email_change=true` a new contact is made and linked."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.test_push import adds_up, cc_contact, push


def test_a_changed_email_updates_the_linked_contacts_address(scene: Scene) -> None:
    news = scene.add_list("News")
    ann = scene.add_account("a", "old@example.org", "Ann", "Old")
    push(scene, "--list", "News")
    contact_id = scene.contact_of(ann)
    scene.crm.update_fields(ann, {"email": "new@example.org"}, reason="test")
    result = push(scene, "--list", "News")
    adds_up(result, 1)
    assert (result["already_linked"], result["created"]) == (1, 0)
    contact = scene.cc.state.contacts.by_id[contact_id]
    assert contact.email == "new@example.org"
    assert news in contact.lists
    assert cc_contact(scene, "old@example.org") is None
    assert len(scene.cc.state.contacts.by_id) == 1
    assert scene.contact_of(ann) == contact_id


def test_an_imported_link_whose_address_changed_since_is_updated_not_duplicated(
    scene: Scene,
) -> None:
    scene.add_list("News")
    contact_id = scene.add_contact("was@example.org", "Wes", "Was", lists=("News",))
    scene.import_json()
    [account] = scene.accounts()
    scene.crm.update_fields(account.id, {"email": "is@example.org"}, reason="test")
    result = push(scene)
    assert result["already_linked"] == 1
    assert scene.cc.state.contacts.by_id[contact_id].email == "is@example.org"
    assert len(scene.cc.state.contacts.by_id) == 1


def test_new_contact_on_email_change_makes_and_links_a_new_contact(scene: Scene) -> None:
    news = scene.add_list("News")
    bo = scene.add_account("a", "bounced@example.org", "Bo", "Unce")
    push(scene, "--list", "News")
    old_id = scene.contact_of(bo)
    answer = scene.cli("settings", "set", "push.new_contact_on_email_change=true")
    assert answer.exit_code == 0, answer.output
    scene.crm.update_fields(bo, {"email": "fresh@example.org"}, reason="test")
    result = push(scene)
    adds_up(result, 1)
    assert result["created"] == 1
    made = cc_contact(scene, "fresh@example.org")
    assert made.contact_id != old_id
    assert news in made.lists
    assert scene.contact_of(bo) == made.contact_id
    assert scene.cc.state.contacts.by_id[old_id].email == "bounced@example.org"
    assert push(scene)["already_linked"] == 1
    assert len(scene.cc.state.contacts.by_id) == 2


def test_an_address_too_long_for_the_bulk_import_goes_one_by_one(scene: Scene) -> None:
    news = scene.add_list("News")
    email = "a.very.long.local.part.of.sixty.characters@example-domain.org"
    assert 50 < len(email) <= 80
    long = scene.add_account("long", email, "Lo", "Ng")
    result = push(scene, "--list", "News")
    assert result["created"] == 1
    made = cc_contact(scene, email)
    assert news in made.lists
    assert scene.contact_of(long) == made.contact_id
    scene.crm.update_fields(long, {"last_name": "Nger"}, reason="test")
    assert push(scene, "--list", "News")["already_linked"] == 1
    assert cc_contact(scene, email).last_name == "Nger"
