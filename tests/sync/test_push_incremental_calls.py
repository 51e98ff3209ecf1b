"""An incremental push reads from Constant Contact only what changed since the last push:
its calls do not grow with the contacts CC holds (no scan of every contact page, neither
to look up the addresses of households nor to journal the old names), its decisions are
those a full read makes, and `runs undo` still puts back exactly the old values, also
of a contact someone edited in CC between the two pushes."""

from __future__ import annotations

import time
from typing import Any

from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.test_push import cc_contact, push
from tests.sync.test_runs_undo import undo

from listbridge.constant_contact.models import ContactBody
from listbridge.core.accounts import Account, AccountType

FIRST = ("Anna", "José", "Zoë", "Łukasz", "Mei", "Siobhán", "Kwame", "Priya", "Lars", "Ayşe")
LAST = ("Müller", "García", "O'Brien", "Nakamura", "Ndiaye", "Rossi", "Byrne", "Weiß")
PEOPLE = 240
#: contacts in CC that no account has: a scan of every page would read them all
STRANGERS = 1_600


def email_of(i: int) -> str:
    """Every 6th shares the previous one's address (a household), every 7th writes the
    previous one's in upper case."""
    if i % 6 == 5:
        return email_of(i - 1)
    if i % 7 == 6:
        return email_of(i - 1).upper()
    return f"{FIRST[i % len(FIRST)].lower()}.{i}@example-{i % 13}.org"


def person(i: int) -> Account:
    organisation = i % 40 == 39
    return Account(
        f"p{i:04d}", email=email_of(i),
        type=AccountType.ORGANIZATION if organisation else AccountType.INDIVIDUAL,
        first_name="" if organisation else FIRST[i % len(FIRST)],
        last_name="" if organisation else LAST[(i // 3) % len(LAST)],
        company_name=f"Verein {LAST[i % len(LAST)]} e.V." if organisation else "",
        title="Volunteer" if i % 4 else "", email_opt_out=i % 17 == 4,
    )  # fmt: skip


def strangers_from_before(scene: Scene) -> None:
    """CC's other contacts, made before the first push, not in its last seconds (a push
    leaves a watermark a second or two before its end: CC's `Date` is in whole seconds)."""
    seeded = scene.cc.control.post("/seed", json={"contacts": STRANGERS, "seed": 3})
    seeded.raise_for_status()
    time.sleep(3)


def counted(scene: Scene, *args: str) -> tuple[dict[str, Any], dict[str, int]]:
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = push(scene, *args)
    calls: dict[str, int] = scene.cc.counters()["by_endpoint"]
    return result, calls


def skipped(result: dict[str, Any]) -> dict[str, str]:
    return {e["account_id"]: e["reason"] for e in result["errors"]}


@edge
def test_a_push_after_a_few_renames_reads_only_what_changed_and_undo_puts_names_back(
    scene: Scene,
) -> None:
    scene.add_list("News")
    ids = scene.add_accounts([person(i) for i in range(PEOPLE)])
    strangers_from_before(scene)
    first, _ = counted(scene, "--list", "News")
    assert first["created"] > 150
    households = [i for i, why in skipped(first).items() if "has it too" in why]
    assert len(households) > 2 * 20  # more than are looked up one by one
    assert any("opted out" in skipped(first)[i] for i in households)

    # Between the pushes: 25 renamed in the CRM; in CC, someone edits one of their
    # contacts; a contact is made outside listbridge for a new account's address.
    renamed = [i for i in ids if scene.contact_of(i)][:25]
    names = {i: scene.account(i).last_name for i in renamed}
    for n, account_id in enumerate(renamed):
        scene.crm.update_fields(account_id, {"last_name": f"Renamed{n}"}, reason="staff")
    edited = scene.account(renamed[0])
    contact = cc_contact(scene, edited.email)
    scene.client.update_contact(
        contact.contact_id,
        _body(edited.email, contact.first_name, "Edited-In-CC", "Chair"),
    )
    outside = scene.add_contact("new.friend@example.org", "New", "Friend")
    newcomer = scene.add_account("newcomer", "New.Friend@example.org", "New", "Friend")

    second, calls = counted(scene, "--list", "News")
    assert second["matched_existing"] == 1
    assert scene.contact_of(newcomer) == outside
    # the same verdicts for everyone else: households, opt-outs, case variants
    assert skipped(second) == skipped(first)
    pages = calls.get("GET /v3/contacts", 0)
    assert pages <= 3, calls  # opt-outs, the changes since the last push, new contacts
    assert sum(calls.values()) <= 10, calls
    assert "GET /v3/contacts/{contact_id}" not in calls, calls
    assert second["timings"]["planning_seconds"] >= 0
    assert second["timings"]["planning_records_per_s"] > 0

    result = undo(scene, second["run_id"], "--yes")
    assert result["cc_fields_restored"] >= len(renamed)
    for account_id in renamed[1:]:
        email = scene.account(account_id).email
        assert (cc_contact(scene, email).last_name or "") == names[account_id], account_id
    # the contact edited in CC gets back what CC held before the push, not what was sent
    assert cc_contact(scene, edited.email).last_name == "Edited-In-CC"
    assert cc_contact(scene, edited.email).job_title == "Chair"


@edge
def test_a_push_after_undo_reads_the_contacts_it_changed(scene: Scene) -> None:
    """`runs undo` writes CC after the watermark: the next push sees its changes."""
    scene.add_list("News")
    ids = scene.add_accounts([person(i) for i in range(60)])
    push(scene, "--list", "News")
    target = next(i for i in ids if scene.contact_of(i))
    scene.crm.update_fields(target, {"first_name": "Once"}, reason="staff")
    once = push(scene, "--list", "News")
    scene.crm.update_fields(target, {"first_name": "Twice"}, reason="staff")
    undo(scene, once["run_id"], "--yes")
    email = scene.account(target).email
    original = cc_contact(scene, email).first_name
    assert original not in ("Once", "Twice")
    again = push(scene, "--list", "News")
    assert cc_contact(scene, email).first_name == "Twice"
    undo(scene, again["run_id"], "--yes")
    assert cc_contact(scene, email).first_name == original


def _body(email: str, first: str | None, last: str, title: str) -> ContactBody:
    return ContactBody.model_validate(
        {
            "email_address": {"address": email},
            "first_name": first or "",
            "last_name": last,
            "job_title": title,
            "update_source": "Contact",
        }
    )
