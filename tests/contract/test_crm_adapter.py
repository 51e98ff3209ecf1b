"""The CrmAdapter contract: every CRM adapter passes this suite, or it does not ship.

The adapters and what each can do are in tests/contract/adapters.py. A CRM may number
its own records, so the tests use the ids `create` returns. The journal is
listbridge's own (the state store), whatever the CRM.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session
from tests.contract.adapters import (
    ATOMIC_BATCHES,
    CALLER_IDS,
    CUSTOM_FIELDS,
    ORGANIZATIONS,
    T0,
    only,
)

from listbridge.core.accounts import Account, AccountType, FieldType
from listbridge.core.errors import UserError
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.protocol import AccountBatch, CrmAdapter
from listbridge.store.db import Store
from listbridge.store.journal import history
from listbridge.store.runs import add_run_errors, run_errors, start_run

#: an id no CRM gives (the builtin one takes any free id; the others number from 1)
UNKNOWN = "999999999"


def ann(**overrides: object) -> Account:
    values: dict[str, object] = {
        "id": "A1",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "Ann.Lee@Example.org",
        "email2": "ann@work.example.com",
    }
    return Account(**(values | overrides))  # type: ignore[arg-type]


def made(crm: CrmAdapter, account: Account) -> str:
    """Create the account; the id it was given."""
    return crm.create(account, reason="test").id


def test_adapter_satisfies_the_protocol(crm: CrmAdapter) -> None:
    assert isinstance(crm, CrmAdapter)


def test_create_then_get_returns_the_account_with_timestamps(crm: CrmAdapter) -> None:
    created = crm.create(ann(), reason="test")
    assert created.created_at is not None
    assert created.updated_at == created.created_at
    assert crm.get(created.id) == created
    assert replace(created, id="A1", created_at=None, updated_at=None) == ann()
    assert crm.get(UNKNOWN) is None


@only(CALLER_IDS)
def test_create_keeps_the_id_given_and_refuses_one_in_use(crm: CrmAdapter) -> None:
    assert crm.create(ann(), reason="test").id == "A1"
    with pytest.raises(UserError, match="already exists"):
        crm.create(ann(first_name="Other"), reason="test")


def test_each_create_gets_an_id_of_its_own(crm: CrmAdapter) -> None:
    ids = {made(crm, ann(id=f"A{n}", email=f"a{n}@example.org")) for n in range(3)}
    assert len(ids) == 3


def test_find_by_email_ignores_case_and_spaces_across_all_emails(crm: CrmAdapter) -> None:
    a1 = made(crm, ann())
    b2 = made(crm, Account("B2", first_name="Bo", email3="ANN.LEE@example.ORG"))
    made(crm, Account("C3", email="someone@example.org"))
    assert sorted(a.id for a in crm.find_by_email(" ann.lee@example.org ")) == sorted([a1, b2])
    assert [a.id for a in crm.find_by_email("ANN@WORK.example.com")] == [a1]
    assert crm.find_by_email("nobody@example.org") == []
    assert crm.find_by_email("") == []


def test_get_many_and_opted_out_ids(crm: CrmAdapter) -> None:
    a1 = made(crm, ann())
    b2 = made(crm, Account("B2", email="b@example.org", email_opt_out=True))
    assert sorted(crm.get_many([b2, a1, UNKNOWN])) == sorted([a1, b2])
    assert crm.get_many([]) == {}
    assert crm.get_many([a1, UNKNOWN], include_deleted=True) == crm.get_many([a1])
    assert crm.opted_out_ids() == frozenset({b2})


def test_with_primary_emails_finds_a_households_accounts_by_their_first_email(
    crm: CrmAdapter,
) -> None:
    a1 = made(crm, ann())
    b2 = made(crm, Account("B2", first_name="Bo", email=" ANN.LEE@example.ORG"))
    made(crm, Account("C3", email="c@example.org", email2="ann.lee@example.org"))
    d4 = made(crm, Account("D4", email="dee@example.org"))
    found = crm.with_primary_emails(["ann.lee@example.org ", "DEE@example.org", "x@y.org"])
    assert sorted(a.id for a in found) == sorted([a1, b2, d4])
    assert crm.with_primary_emails([]) == []


def test_update_fields_changes_only_what_differs_and_journals_it(
    crm: CrmAdapter, store: Store, cid: int
) -> None:
    created = crm.create(ann(), reason="test")
    run_id = start_run(store, cid, "contract", "pytest")
    updated = crm.update_fields(
        created.id, {"first_name": "Anna", "last_name": "Lee"}, reason="name fix", run_id=run_id
    )
    assert updated.first_name == "Anna"
    assert updated.updated_at is not None
    assert created.updated_at is not None
    assert updated.updated_at > created.updated_at
    assert crm.get(created.id) == updated
    entries = history(store, cid, Side.CRM, created.id)
    assert [(e.change.field, e.change.old, e.change.new) for e in entries] == [
        ("*", None, "created"),
        ("first_name", "Ann", "Anna"),
    ]
    assert entries[1].run_id == run_id
    assert entries[1].change.reason == "name fix"


def test_an_update_that_changes_nothing_keeps_updated_at(crm: CrmAdapter) -> None:
    created = crm.create(ann(), reason="test")
    same = crm.update_fields(created.id, {"first_name": "Ann"}, reason="noop")
    assert same.updated_at == created.updated_at


def test_update_refuses_unknown_columns_missing_accounts_and_over_long_values(
    crm: CrmAdapter,
) -> None:
    a1 = made(crm, ann())
    with pytest.raises(UserError, match="cannot be updated"):
        crm.update_fields(a1, {"nickname": "x"}, reason="t")
    with pytest.raises(UserError, match="cannot be updated"):
        crm.update_fields(a1, {"id": "A2"}, reason="t")
    with pytest.raises(UserError, match="no account"):
        crm.update_fields(UNKNOWN, {"first_name": "x"}, reason="t")
    # Each CRM has its own limits; none takes a first name of 300 characters.
    with pytest.raises(UserError, match=r"first_name: 300 characters is longer than the limit"):
        crm.update_fields(a1, {"first_name": "x" * 300}, reason="t")
    assert crm.get(a1) == crm.get_many([a1])[a1]


def test_set_email_opt_out_is_journaled_both_ways(crm: CrmAdapter, store: Store, cid: int) -> None:
    a1 = made(crm, ann())
    assert crm.set_email_opt_out(a1, True, reason="unsubscribed in CC").email_opt_out is True
    assert crm.set_email_opt_out(a1, False, reason="resubscribed").email_opt_out is False
    changes = [e.change for e in history(store, cid, Side.CRM, a1)][1:]
    assert [(c.field, c.old, c.new, c.reason) for c in changes] == [
        ("email_opt_out", "false", "true", "unsubscribed in CC"),
        ("email_opt_out", "true", "false", "resubscribed"),
    ]


@only(CUSTOM_FIELDS)
def test_custom_values_are_typed_updated_and_cleared(
    crm: CrmAdapter, store: Store, cid: int
) -> None:
    add_field(store, cid, "Gift", FieldType.NUMBER)
    a1 = made(crm, ann(custom={"Gift": Decimal("12.5"), "Note": "hi"}))
    assert crm.get(a1).custom == {"Gift": Decimal("12.5"), "Note": "hi"}  # type: ignore[union-attr]
    crm.update_fields(a1, {"custom.Gift": Decimal("20"), "custom.Note": None}, reason="t")
    assert crm.get(a1).custom == {"Gift": Decimal("20")}  # type: ignore[union-attr]
    assert {f.name for f in crm.custom_fields()} == {"Gift", "Note"}
    fields = [e.change.field for e in history(store, cid, Side.CRM, a1)]
    assert sorted(fields[1:]) == ["custom.Gift", "custom.Note"]


def test_changed_since_yields_updated_accounts_oldest_first(crm: CrmAdapter) -> None:
    ids = [
        made(crm, Account(f"P{n}", type=AccountType.INDIVIDUAL, first_name=str(n)))
        for n in range(5)
    ]
    crm.update_fields(ids[1], {"first_name": "one"}, reason="t")
    everything = list(crm.changed_since(None))
    assert [a.id for a in everything] == [ids[0], ids[2], ids[3], ids[4], ids[1]]
    cut = everything[3].updated_at
    assert [a.id for a in crm.changed_since(cut)] == [ids[4], ids[1]]
    assert list(crm.changed_since(T0 + timedelta(days=1))) == []


def test_changed_since_pages_through_many_accounts(crm: CrmAdapter) -> None:
    for n in range(1003):
        made(crm, Account(f"N{n:05d}", last_name=f"N{n:05d}"))
    accounts = list(crm.changed_since(None))
    assert len({a.id for a in accounts}) == len(accounts) == 1003
    assert sorted(a.last_name for a in accounts) == [f"N{n:05d}" for n in range(1003)]


@only(CUSTOM_FIELDS)
def test_a_custom_field_a_create_brings_in_is_typed_by_its_value(crm: CrmAdapter) -> None:
    for n in range(3):
        made(crm, Account(f"N{n}", custom={"Since": date(2020, 1, 1)}))
    assert {f.name: f.type for f in crm.custom_fields()} == {"Since": FieldType.DATE}
    assert [a.custom for a in crm.changed_since(None)][-1] == {"Since": date(2020, 1, 1)}


@only(ORGANIZATIONS)
def test_organization_accounts_keep_their_type(crm: CrmAdapter) -> None:
    org = Account("O1", type=AccountType.ORGANIZATION, company_name="Acme", email="info@acme.org")
    o1 = made(crm, org)
    assert crm.get(o1).type is AccountType.ORGANIZATION  # type: ignore[union-attr]


def _batch(crm: CrmAdapter, run_id: int, custom: bool) -> tuple[AccountBatch, str]:
    """A new account (proposed id N1), and one created here renamed (with a custom
    value set where the CRM has custom fields); the batch and the renamed one's id."""
    a1 = crm.create(ann(), reason="test")
    at = T0 + timedelta(days=1)
    # The update names its columns: last_name differs too, and must not be written.
    renamed = replace(a1, first_name="Anna", last_name="Not", updated_at=at)
    if custom:
        renamed = replace(renamed, custom={"Note": "hi"})
    columns = ("first_name", "custom.Note") if custom else ("first_name",)
    changes = [
        Change(Side.CRM, "N1", "*", None, "created", "batch", at),
        Change(Side.CRM, a1.id, "first_name", "Ann", "Anna", "batch", at),
    ]
    if custom:
        changes.append(Change(Side.CRM, a1.id, "custom.Note", None, "hi", "batch", at))
    batch = AccountBatch(
        run_id,
        at,
        creates=(Account("N1", email="new@example.org", created_at=at, updated_at=at),),
        updates=((renamed, columns),),
        changes=tuple(changes),
    )
    return batch, a1.id


def _journal(store: Store, cid: int, record_id: str) -> list[tuple[str, str | None, int | None]]:
    return [
        (e.change.field, e.change.new, e.run_id) for e in history(store, cid, Side.CRM, record_id)
    ]


def test_write_batch_writes_creates_updates_and_journal_with_the_callers_bookkeeping(
    crm: CrmAdapter, store: Store, cid: int, adapter: str
) -> None:
    run_id = start_run(store, cid, "contract", "pytest")
    custom = adapter in CUSTOM_FIELDS
    batch, a1 = _batch(crm, run_id, custom)
    given: dict[str, str] = {}

    def then(session: Session, ids: dict[str, str]) -> str:
        add_run_errors(session, run_id, [ErrorRow("kept with the batch")])
        given.update(ids)
        return "done"

    assert crm.write_batch(batch, then) == "done"
    n1 = given["N1"]
    assert list(given) == ["N1"]
    assert crm.get(n1) == replace(batch.creates[0], id=n1)
    renamed = crm.get(a1)
    assert renamed is not None
    assert (renamed.first_name, renamed.last_name) == ("Anna", "Lee")
    assert renamed.custom == ({"Note": "hi"} if custom else {})
    assert renamed.updated_at == batch.at
    assert sorted(a.id for a in crm.changed_since(batch.at)) == sorted([a1, n1])
    assert _journal(store, cid, n1) == [("*", "created", run_id)]
    expected = [("first_name", "Anna", run_id)]
    if custom:
        expected.append(("custom.Note", "hi", run_id))
    assert _journal(store, cid, a1)[1:] == expected
    assert [e.reason for e in run_errors(store, run_id)] == ["kept with the batch"]


def test_write_batch_when_the_bookkeeping_fails(
    crm: CrmAdapter, store: Store, cid: int, adapter: str
) -> None:
    run_id = start_run(store, cid, "contract", "pytest")
    batch, a1 = _batch(crm, run_id, adapter in CUSTOM_FIELDS)
    before = crm.get(a1)
    given: dict[str, str] = {}

    def then(session: Session, ids: dict[str, str]) -> None:
        given.update(ids)
        add_run_errors(session, run_id, [ErrorRow("lost with the batch")])
        raise RuntimeError("killed mid-batch")

    with pytest.raises(RuntimeError, match="killed mid-batch"):
        crm.write_batch(batch, then)
    assert run_errors(store, run_id) == []
    n1 = given["N1"]
    if adapter in ATOMIC_BATCHES:
        # Nothing of the batch: a re-run redoes it whole.
        assert crm.get(n1) is None
        assert crm.get(a1) == before
        assert crm.custom_fields() == []  # nor the field it brought in
        assert _journal(store, cid, a1) == [("*", "created", None)]
        assert _journal(store, cid, n1) == []
    else:
        # Committed first: the re-run finds the writes (and their journal) as they are.
        assert crm.get(n1) == replace(batch.creates[0], id=n1)
        assert crm.find_by_email("new@example.org") == [crm.get(n1)]
        assert _journal(store, cid, n1) == [("*", "created", run_id)]


def test_match_keys_give_every_account_with_its_addresses(crm: CrmAdapter, adapter: str) -> None:
    a1 = made(crm, ann())
    organization = Account("O1", type=AccountType.ORGANIZATION, company_name="Acme")
    org = made(crm, organization) if adapter in ORGANIZATIONS else None
    keys = {k.id: k for k in crm.match_keys()}
    assert sorted(keys) == sorted([a1] if org is None else [a1, org])
    assert keys[a1].emails == ("Ann.Lee@Example.org", "ann@work.example.com")
    assert (keys[a1].individual, keys[a1].first_name, keys[a1].last_name) == (True, "Ann", "Lee")
    assert keys[a1].created_at == crm.get(a1).created_at  # type: ignore[union-attr]
    if org is not None:
        assert (keys[org].individual, keys[org].emails) == (False, ())
