"""An unsubscribe holds for the person under any address (issue 23, item 1).

Ann is pushed to News, unsubscribes by the e-mail link, then her e-mail changes in the
CRM. Whatever `push.new_contact_on_email_change` says, and whichever job next makes
contacts (push, lists add, sync full), no contact of hers ends subscribed or on a list.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.lists_support import lists

OLD, NEW = "ann@example.org", "ann.new@example.org"


def _ann_unsubscribed_then_moved(
    scene: Scene, new_contact: bool, carry: bool = True
) -> tuple[str, str]:
    """Ann's account and her first contact."""
    lists(scene, "create", "News")
    assert (
        scene.cli("settings", "set", f"unsubscribe.cc_to_crm={str(carry).lower()}").exit_code == 0
    )
    ann = scene.add_account("ann", OLD, "Ann", "Example")
    answer = scene.cli("push", "--list", "News", "--json")
    assert answer.exit_code == 0, answer.output
    contact_id = scene.contact_of(ann)
    scene.unsubscribe(contact_id)
    setting = f"push.new_contact_on_email_change={str(new_contact).lower()}"
    assert scene.cli("settings", "set", setting).exit_code == 0
    scene.crm.update_fields(ann, {"email": NEW}, reason="moved")
    return ann, contact_id


def _run(scene: Scene, job: str, ann: str) -> dict[str, Any]:
    args = {
        "push": ("push", "--list", "News", "--json"),
        "lists add": ("lists", "add", "News", "--account", ann, "--json"),
        "sync full": ("sync", "full", "--json"),
    }[job]
    answer = scene.cli(*args)
    assert answer.exit_code == 0, answer.output
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


@pytest.mark.parametrize("new_contact", [True, False], ids=["new-contact", "in-place"])
@pytest.mark.parametrize("job", ["push", "lists add", "sync full"])
def test_an_unsubscribed_person_is_never_subscribed_under_a_new_address(
    scene: Scene, job: str, new_contact: bool
) -> None:
    ann, old_id = _ann_unsubscribed_then_moved(scene, new_contact)
    result = _run(scene, job, ann)
    with scene.cc.state.lock:
        contacts = [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]
        for contact in contacts:
            assert contact.is_unsubscribed, (job, contact.email, contact.permission)
            assert not contact.lists, (job, contact.email, contact.lists)
        assert [c.contact_id for c in contacts] == [old_id]
    # The push carried her unsubscribe to the CRM first: she is not pushed at all.
    assert scene.account(ann).email_opt_out is True
    if job == "push":
        assert (result["created"], result["not_pushed"]) == (0, 1)
        assert "opted out" in result["errors"][0]["reason"]


@pytest.mark.parametrize("new_contact", [True, False], ids=["new-contact", "in-place"])
def test_without_carrying_the_opt_out_the_new_address_is_still_not_subscribed(
    scene: Scene, new_contact: bool
) -> None:
    """`unsubscribe.cc_to_crm=false`: the CRM account is not opted out, yet the person is."""
    ann, old_id = _ann_unsubscribed_then_moved(scene, new_contact, carry=False)
    result = _run(scene, "push", ann)
    assert scene.account(ann).email_opt_out is False
    assert (result["created"], result["already_linked"], result["failed_subscriptions"]) == (
        0, 1, 1)  # fmt: skip
    with scene.cc.state.lock:
        contacts = [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]
        assert [c.contact_id for c in contacts] == [old_id]
        [ann] = contacts
        assert ann.is_unsubscribed
        assert not ann.lists
        # in place, the address moves and the unsubscribe stays with it
        assert ann.email == (OLD if new_contact else NEW)
    reason = result["errors"][0]["reason"]
    assert "unsubscribed" in reason
    if new_contact:
        assert "previous address" in reason
