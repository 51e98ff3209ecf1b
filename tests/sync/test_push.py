"""`listbridge push` against the emulator: eligibility, the three linking outcomes, failed
subscriptions (checked in the emulator's own state), the field mapping and --json."""

from __future__ import annotations

import json
from typing import Any

from tests.sync.conftest import Scene
from tests.sync.crms import ORGANIZATIONS

from listbridge.core.accounts import AccountType
from listbridge.core.push_plan import Reason

RESULT_KEYS = {
    "run_id", "created", "matched_existing", "already_linked", "not_pushed",
    "failed_subscriptions", "errors",
}  # fmt: skip


def push(scene: Scene, *args: str, expect: int = 0) -> dict[str, Any]:
    answer = scene.cli("push", "--json", *args)
    assert answer.exit_code == expect, answer.output
    result: dict[str, Any] = json.loads(answer.stdout) if expect == 0 else {}
    return result


def adds_up(result: dict[str, Any], considered: int) -> None:
    assert RESULT_KEYS <= set(result) <= RESULT_KEYS | {"timings"}  # keys are only ever added
    parts = ("created", "matched_existing", "already_linked", "not_pushed")
    assert sum(result[k] for k in parts) == considered


def cc_contact(scene: Scene, email: str) -> Any:
    return scene.cc.state.contacts.find_email(email)


def test_every_eligibility_reason_is_reported_and_nothing_of_them_reaches_cc(
    scene: Scene,
) -> None:
    scene.add_list("News")
    scene.add_account("ok", "ok@example.org", "Ok", "Person")
    reasons = {
        scene.add_account("none", "", "No", "Email"): Reason.NO_EMAIL.message,
        scene.add_account("bad", "not-an-email", "Bad", "Email"): Reason.INVALID_EMAIL.message,
        scene.add_account("out", "out@example.org", email_opt_out=True): Reason.OPTED_OUT.message,
        scene.add_account("role", "info@example.org"): Reason.ROLE_ADDRESS.message,
    }
    reasons |= kept_out_where_the_crm_can(scene)
    result = push(scene, "--list", "News")
    adds_up(result, 1 + len(reasons))
    assert (result["created"], result["not_pushed"]) == (1, len(reasons))
    assert {e["account_id"]: e["reason"] for e in result["errors"]} == reasons
    emails = {c.email for c in scene.cc.state.contacts.by_id.values()}
    assert emails == {"ok@example.org"}


def kept_out_where_the_crm_can(scene: Scene) -> dict[str, str]:
    """Accounts kept out for what only some CRMs hold (an organization, the deceased and
    do-not-contact flags), with their reasons: those the connection's CRM can hold."""
    reasons = {}
    if scene.can(ORGANIZATIONS):
        org = {"type": AccountType.ORGANIZATION, "company_name": "Org"}
        reasons[scene.add_account("org", "org@example.org", **org)] = Reason.ORGANIZATION.message
    if scene.keeps("deceased"):
        dead = scene.add_account("dead", "dead@example.org", deceased=True)
        reasons[dead] = Reason.DECEASED.message
    if scene.keeps("do_not_contact"):
        dnc = scene.add_account("dnc", "dnc@example.org", do_not_contact=True)
        reasons[dnc] = Reason.DO_NOT_CONTACT.message
    return reasons


def test_created_matched_existing_and_already_linked(scene: Scene) -> None:
    news = scene.add_list("News")
    existing = scene.add_contact("Known@Example.org", "Kim", "Known")
    new = scene.add_account("new", "new@example.org", "Nia", "New")
    known = scene.add_account("known", "known@example.org", "Kim", "Known")
    first = push(scene, "--list", "News")
    adds_up(first, 2)
    assert (first["created"], first["matched_existing"], first["already_linked"]) == (1, 1, 0)
    assert scene.contact_of(known) == existing
    made = cc_contact(scene, "new@example.org")
    assert scene.contact_of(new) == made.contact_id
    assert made.create_source == "Account"
    [tag] = scene.cc.state.tags.values()
    assert tag.name == "listbridge"
    assert made.taggings == (tag.tag_id,)
    assert not cc_contact(scene, "known@example.org").taggings  # matched, not new: untagged
    assert news in made.lists
    assert news in cc_contact(scene, "known@example.org").lists
    assert len(scene.cc.state.contacts.by_id) == 2
    scene.crm.update_fields(new, {"first_name": "Nina"}, reason="test")
    second = push(scene, "--list", "News")
    adds_up(second, 2)
    assert (second["created"], second["matched_existing"], second["already_linked"]) == (0, 0, 2)
    assert cc_contact(scene, "new@example.org").first_name == "Nina"
    assert len(scene.cc.state.contacts.by_id) == 2


def test_an_unsubscribed_contact_is_linked_never_added_nor_resubscribed(scene: Scene) -> None:
    news, more = scene.add_list("News"), scene.add_list("More")
    contact_id = scene.add_contact("gone@example.org", "Gone", "Away", unsubscribed=True)
    gone = scene.add_account("gone", "gone@example.org", "Gone", "Away", city="Paris")
    result = push(scene, "--list", "News", "--list", "More")
    adds_up(result, 1)
    assert (result["matched_existing"], result["failed_subscriptions"]) == (1, 2)
    failed = [e["reason"] for e in result["errors"]]
    assert sorted(failed) == sorted(
        f"{Reason.CONTACT_OPTED_OUT.message} (list {name})" for name in ("News", "More")
    )
    contact = scene.cc.state.contacts.by_id[contact_id]
    assert contact.is_unsubscribed
    assert news not in (contact.lists or ())
    assert more not in (contact.lists or ())
    assert scene.contact_of(gone) == contact_id
    again = push(scene, "--list", "News")
    assert again["failed_subscriptions"] == 1
    assert scene.cc.state.contacts.by_id[contact_id].is_unsubscribed
