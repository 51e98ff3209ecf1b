"""What a link says CC holds after a push (`sync/push/held.py`): the journal of the next
push reads its old values from it, so it must be exactly what CC holds, or unknown."""

from __future__ import annotations

from listbridge.core.mapping import MappedContact
from listbridge.core.push_plan import Create, Plan, Update
from listbridge.store.push_state import CcHeld
from listbridge.sync.push.held import FIELDS, held_after, known_before

COMPARED = ("first_name", "last_name", "job_title")  # push.include_company=false


def _update(account_id: str, contact_id: str, **row: str) -> Update:
    return Update(
        account_id, contact_id, MappedContact({"email": f"{account_id}@ex.org", **row}), ()
    )


def test_an_import_keeps_what_it_does_not_send_and_a_put_blanks_what_it_omits() -> None:
    plan = Plan()
    plan.updates += [
        _update("ana", "c-ana", first_name="Ana María"),
        _update("ben", "c-ben", first_name="Ben"),
    ]
    before = {"c-ana": {"first_name": "Ana", "last_name": "Silva", "job_title": "Chair"},
              "c-ben": {"first_name": "Benjamin", "last_name": "Okafor"}}  # fmt: skip
    after = held_after(plan, {}, set(), before, {"ben"}, COMPARED)
    ana, ben = after["c-ana"], after["c-ben"]
    assert ana is not None
    assert ben is not None
    assert dict(ana.fields) == {
        "first_name": "Ana María",
        "last_name": "Silva",
        "job_title": "Chair",
    }
    assert dict(ben.fields) == {"first_name": "Ben", "last_name": "", "job_title": ""}
    assert "company_name" not in ana.fields  # never compared: unknown, not empty
    assert ana.email == "ana@ex.org"


def test_a_refused_row_changes_nothing_and_an_unread_contact_becomes_unknown() -> None:
    plan = Plan()
    plan.updates += [_update("ana", "c-ana", last_name="Lopez"), _update("ben", "c-ben")]
    after = held_after(plan, {}, {"ana"}, {}, set(), COMPARED)
    assert "c-ana" not in after
    assert after["c-ben"] is None


def test_a_new_contact_holds_what_it_was_made_with_and_nothing_else() -> None:
    plan = Plan()
    row = {"email": "zoe@ex.org", "first_name": "Zoë", "company_name": "Verein e.V."}
    plan.creates.append(Create("zoe", MappedContact(row), ("list-1",)))
    plan.creates.append(Create("lost", MappedContact({"email": "lost@ex.org"}), ("list-1",)))
    after = held_after(plan, {"zoe": "c-zoe"}, set(), {}, set(), COMPARED)
    assert list(after) == ["c-zoe"]
    made = after["c-zoe"]
    assert made is not None
    assert dict(made.fields) == {f: row.get(f, "") for f in FIELDS}


def test_the_journal_trusts_a_link_only_for_its_own_contact_and_every_compared_field() -> None:
    plan = Plan()
    plan.updates += [_update("ana", "c-ana"), _update("ben", "c-ben"), _update("cy", "c-cy")]
    stored = {
        "ana": CcHeld(
            "c-ana", "ana@ex.org", {"first_name": "Ana", "last_name": "", "job_title": ""}
        ),
        "ben": CcHeld("c-old", "ben@ex.org", dict.fromkeys(COMPARED, "x")),  # relinked since
        "cy": CcHeld("c-cy", "cy@ex.org", {"first_name": "Cy"}),  # pushed with fewer fields
    }
    assert known_before(plan, stored, COMPARED) == {"c-ana": {"first_name": "Ana"}}
