"""The CrmAdapter contract: every CRM adapter passes this suite, or it does not ship.

A new adapter adds a factory to ADAPTERS: (store, connection id, clock) → adapter,
and its name to ATOMIC_BATCHES if its `write_batch` commits in the caller's
transaction. The journal is listbridge's own (the state store), whatever the CRM.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from listbridge.core.accounts import Account, AccountType, FieldType
from listbridge.core.errors import UserError
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.protocol import AccountBatch, CrmAdapter
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history
from listbridge.store.runs import add_run_errors, run_errors, start_run

Clock = Callable[[], datetime]
ADAPTERS: dict[str, Callable[[Store, int, Clock], CrmAdapter]] = {
    "builtin": lambda store, cid, clock: BuiltinCrm(store, cid, clock),
}
#: Adapters whose write_batch stores the batch and the caller's bookkeeping in one
#: transaction; the others commit the batch first (crm/protocol.py, `write_batch`).
ATOMIC_BATCHES = frozenset({"builtin"})
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Ticking:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.ticks = itertools.count()

    def __call__(self) -> datetime:
        return T0 + timedelta(seconds=next(self.ticks))


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def crm(adapter: str, store: Store) -> CrmAdapter:
    cid = connection_id(store, "contract")
    return ADAPTERS[adapter](store, cid, Ticking())


@pytest.fixture
def cid(store: Store) -> int:
    return connection_id(store, "contract")


def ann(**overrides: object) -> Account:
    values: dict[str, object] = {
        "id": "A1",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "Ann.Lee@Example.org",
        "email2": "ann@work.example.com",
    }
    return Account(**(values | overrides))  # type: ignore[arg-type]


def test_adapter_satisfies_the_protocol(crm: CrmAdapter) -> None:
    assert isinstance(crm, CrmAdapter)


def test_create_then_get_returns_the_account_with_timestamps(crm: CrmAdapter) -> None:
    created = crm.create(ann(), reason="test")
    assert created.created_at is not None
    assert created.updated_at == created.created_at
    assert crm.get("A1") == created
    assert crm.get("missing") is None


def test_create_refuses_an_id_in_use(crm: CrmAdapter) -> None:
    crm.create(ann(), reason="test")
    with pytest.raises(UserError, match="already exists"):
        crm.create(ann(first_name="Other"), reason="test")


def test_find_by_email_ignores_case_and_spaces_across_all_emails(crm: CrmAdapter) -> None:
    crm.create(ann(), reason="test")
    crm.create(Account("B2", first_name="Bo", email3="ANN.LEE@example.ORG"), reason="test")
    crm.create(Account("C3", email="someone@example.org"), reason="test")
    assert [a.id for a in crm.find_by_email(" ann.lee@example.org ")] == ["A1", "B2"]
    assert [a.id for a in crm.find_by_email("ANN@WORK.example.com")] == ["A1"]
    assert crm.find_by_email("nobody@example.org") == []
    assert crm.find_by_email("") == []


def test_get_many_and_opted_out_ids(crm: CrmAdapter) -> None:
    crm.create(ann(), reason="test")
    crm.create(Account("B2", email="b@example.org", email_opt_out=True), reason="test")
    assert sorted(crm.get_many(["B2", "A1", "nobody"])) == ["A1", "B2"]
    assert crm.get_many([]) == {}
    assert crm.get_many(["A1", "nobody"], include_deleted=True) == crm.get_many(["A1"])
    assert crm.opted_out_ids() == frozenset({"B2"})


def test_with_primary_emails_finds_a_households_accounts_by_their_first_email(
    crm: CrmAdapter,
) -> None:
    crm.create(ann(), reason="test")
    crm.create(Account("B2", first_name="Bo", email=" ANN.LEE@example.ORG"), reason="test")
    crm.create(Account("C3", email2="ann.lee@example.org"), reason="test")
    crm.create(Account("D4", email="dee@example.org"), reason="test")
    found = crm.with_primary_emails(["ann.lee@example.org ", "DEE@example.org", "x@y.org"])
    assert sorted(a.id for a in found) == ["A1", "B2", "D4"]
    assert crm.with_primary_emails([]) == []


def test_update_fields_changes_only_what_differs_and_journals_it(
    crm: CrmAdapter, store: Store, cid: int
) -> None:
    created = crm.create(ann(), reason="test")
    run_id = start_run(store, cid, "contract", "pytest")
    updated = crm.update_fields(
        "A1", {"first_name": "Anna", "last_name": "Lee"}, reason="name fix", run_id=run_id
    )
    assert updated.first_name == "Anna"
    assert updated.updated_at is not None
    assert created.updated_at is not None
    assert updated.updated_at > created.updated_at
    assert crm.get("A1") == updated
    entries = history(store, cid, Side.CRM, "A1")
    assert [(e.change.field, e.change.old, e.change.new) for e in entries] == [
        ("*", None, "created"),
        ("first_name", "Ann", "Anna"),
    ]
    assert entries[1].run_id == run_id
    assert entries[1].change.reason == "name fix"


def test_an_update_that_changes_nothing_keeps_updated_at(crm: CrmAdapter) -> None:
    created = crm.create(ann(), reason="test")
    same = crm.update_fields("A1", {"first_name": "Ann"}, reason="noop")
    assert same.updated_at == created.updated_at


def test_update_refuses_unknown_columns_missing_accounts_and_over_long_values(
    crm: CrmAdapter,
) -> None:
    crm.create(ann(), reason="test")
    with pytest.raises(UserError, match="cannot be updated"):
        crm.update_fields("A1", {"nickname": "x"}, reason="t")
    with pytest.raises(UserError, match="cannot be updated"):
        crm.update_fields("A1", {"id": "A2"}, reason="t")
    with pytest.raises(UserError, match="no account"):
        crm.update_fields("nope", {"first_name": "x"}, reason="t")
    with pytest.raises(UserError, match="limit of 100"):
        crm.update_fields("A1", {"first_name": "x" * 101}, reason="t")


def test_set_email_opt_out_is_journaled_both_ways(crm: CrmAdapter, store: Store, cid: int) -> None:
    crm.create(ann(), reason="test")
    assert crm.set_email_opt_out("A1", True, reason="unsubscribed in CC").email_opt_out is True
    assert crm.set_email_opt_out("A1", False, reason="resubscribed").email_opt_out is False
    changes = [e.change for e in history(store, cid, Side.CRM, "A1")][1:]
    assert [(c.field, c.old, c.new, c.reason) for c in changes] == [
        ("email_opt_out", "false", "true", "unsubscribed in CC"),
        ("email_opt_out", "true", "false", "resubscribed"),
    ]


def test_custom_values_are_typed_updated_and_cleared(
    crm: CrmAdapter, store: Store, cid: int
) -> None:
    add_field(store, cid, "Gift", FieldType.NUMBER)
    crm.create(ann(custom={"Gift": Decimal("12.5"), "Note": "hi"}), reason="test")
    assert crm.get("A1").custom == {"Gift": Decimal("12.5"), "Note": "hi"}  # type: ignore[union-attr]
    crm.update_fields("A1", {"custom.Gift": Decimal("20"), "custom.Note": None}, reason="t")
    assert crm.get("A1").custom == {"Gift": Decimal("20")}  # type: ignore[union-attr]
    assert {f.name for f in crm.custom_fields()} == {"Gift", "Note"}
    fields = [e.change.field for e in history(store, cid, Side.CRM, "A1")]
    assert sorted(fields[1:]) == ["custom.Gift", "custom.Note"]


def test_changed_since_yields_updated_accounts_oldest_first(crm: CrmAdapter) -> None:
    for n in range(5):
        crm.create(Account(f"P{n}", type=AccountType.INDIVIDUAL, first_name=str(n)), reason="t")
    crm.update_fields("P1", {"first_name": "one"}, reason="t")
    everything = list(crm.changed_since(None))
    assert [a.id for a in everything] == ["P0", "P2", "P3", "P4", "P1"]
    cut = everything[3].updated_at
    assert [a.id for a in crm.changed_since(cut)] == ["P4", "P1"]
    assert list(crm.changed_since(T0 + timedelta(days=1))) == []


def test_changed_since_pages_through_many_accounts(crm: CrmAdapter) -> None:
    for n in range(1003):
        crm.create(Account(f"N{n:05d}", custom={"Since": date(2020, 1, 1)}), reason="bulk")
    accounts = list(crm.changed_since(None))
    assert len({a.id for a in accounts}) == len(accounts) == 1003
    assert {f.name: f.type for f in crm.custom_fields()} == {"Since": FieldType.DATE}
    assert accounts[-1].custom == {"Since": date(2020, 1, 1)}


def test_organization_accounts_keep_their_type(crm: CrmAdapter) -> None:
    org = Account("O1", type=AccountType.ORGANIZATION, company_name="Acme", email="info@acme.org")
    crm.create(org, reason="t")
    assert crm.get("O1").type is AccountType.ORGANIZATION  # type: ignore[union-attr]


def _batch(crm: CrmAdapter, run_id: int) -> AccountBatch:
    """A new account N1, and A1 (created here) renamed with a custom value set."""
    a1 = crm.create(ann(), reason="test")
    at = T0 + timedelta(days=1)
    # The update names its columns: last_name differs too, and must not be written.
    renamed = replace(a1, first_name="Anna", last_name="Not", custom={"Note": "hi"}, updated_at=at)
    changes = (
        Change(Side.CRM, "N1", "*", None, "created", "batch", at),
        Change(Side.CRM, "A1", "first_name", "Ann", "Anna", "batch", at),
        Change(Side.CRM, "A1", "custom.Note", None, "hi", "batch", at),
    )
    return AccountBatch(
        run_id,
        at,
        creates=(Account("N1", email="new@example.org", created_at=at, updated_at=at),),
        updates=((renamed, ("first_name", "custom.Note")),),
        changes=changes,
    )


def _journal(store: Store, cid: int, record_id: str) -> list[tuple[str, str | None, int | None]]:
    return [
        (e.change.field, e.change.new, e.run_id) for e in history(store, cid, Side.CRM, record_id)
    ]


def test_write_batch_writes_creates_updates_and_journal_with_the_callers_bookkeeping(
    crm: CrmAdapter, store: Store, cid: int
) -> None:
    run_id = start_run(store, cid, "contract", "pytest")
    batch = _batch(crm, run_id)

    def then(session: Session) -> str:
        add_run_errors(session, run_id, [ErrorRow("kept with the batch")])
        return "done"

    assert crm.write_batch(batch, then) == "done"
    assert crm.get("N1") == batch.creates[0]
    a1 = crm.get("A1")
    assert a1 is not None
    assert (a1.first_name, a1.last_name, a1.custom) == ("Anna", "Lee", {"Note": "hi"})
    assert a1.updated_at == batch.at
    assert [a.id for a in crm.changed_since(batch.at)] == ["A1", "N1"]
    assert _journal(store, cid, "N1") == [("*", "created", run_id)]
    assert _journal(store, cid, "A1")[1:] == [
        ("first_name", "Anna", run_id),
        ("custom.Note", "hi", run_id),
    ]
    assert [e.reason for e in run_errors(store, run_id)] == ["kept with the batch"]


def test_write_batch_when_the_bookkeeping_fails(
    crm: CrmAdapter, store: Store, cid: int, adapter: str
) -> None:
    run_id = start_run(store, cid, "contract", "pytest")
    batch = _batch(crm, run_id)

    def then(session: Session) -> None:
        add_run_errors(session, run_id, [ErrorRow("lost with the batch")])
        raise RuntimeError("killed mid-batch")

    with pytest.raises(RuntimeError, match="killed mid-batch"):
        crm.write_batch(batch, then)
    assert run_errors(store, run_id) == []
    if adapter in ATOMIC_BATCHES:
        # Nothing of the batch: a re-run redoes it whole.
        assert crm.get("N1") is None
        assert crm.get("A1") == ann(created_at=T0, updated_at=T0)
        assert crm.custom_fields() == []  # nor the field it brought in
        assert _journal(store, cid, "A1") == [("*", "created", None)]
        assert _journal(store, cid, "N1") == []
    else:
        # Committed first: the re-run finds the writes (and their journal) as they are.
        assert crm.get("N1") == batch.creates[0]
        assert _journal(store, cid, "N1") == [("*", "created", run_id)]
