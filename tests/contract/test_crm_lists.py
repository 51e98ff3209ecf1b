"""The CrmWithLists contract: every CRM adapter with lists passes this suite.

The adapters are in tests/contract/adapters.py. Each test starts with three accounts,
`people.A1`, `people.B2` and `people.C3`, with the ids their CRM gave them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete
from tests.contract.adapters import T0, only

from listbridge.core.accounts import Account
from listbridge.core.errors import UserError
from listbridge.core.journal import Side
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.crm.builtin.writes import insert_accounts
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history
from listbridge.store.models import CrmAccount
from listbridge.store.runs import start_run

BUILTIN = frozenset({"builtin"})


@dataclass(frozen=True)
class People:
    A1: str
    B2: str
    C3: str


@pytest.fixture
def people(crm: CrmWithLists) -> People:
    made = [
        crm.create(Account(name, first_name=name, email=f"{name}@example.org"), reason="test").id
        for name in ("A1", "B2", "C3")
    ]
    return People(*made)


def journal(store: Store, cid: int, record_id: str) -> list[tuple[str, str | None, str | None]]:
    """(field, old, new) of the record's journal, account creation left out."""
    changes = [e.change for e in history(store, cid, Side.CRM, record_id)]
    return [(c.field, c.old, c.new) for c in changes if c.field != "*"]


def test_adapter_satisfies_the_protocol(crm: CrmWithLists) -> None:
    assert isinstance(crm, CrmWithLists)


def test_lists_are_created_sorted_ignoring_case_and_journaled(
    crm: CrmWithLists, store: Store, cid: int
) -> None:
    assert crm.lists() == []
    run_id = start_run(store, cid, "contract", "pytest")
    for name in ("newsletter", "Board", "alumni"):
        crm.create_list(name, reason="set up", run_id=run_id)
    assert crm.lists() == ["alumni", "Board", "newsletter"]
    assert list(crm.list_members("Board")) == []
    entries = history(store, cid, Side.CRM, "list:Board")
    assert [(e.change.field, e.change.old, e.change.new) for e in entries] == [
        ("name", None, "Board")
    ]
    assert entries[0].run_id == run_id
    assert entries[0].change.reason == "set up"


def test_create_refuses_a_taken_or_bad_name(crm: CrmWithLists) -> None:
    crm.create_list("Board", reason="t")
    with pytest.raises(UserError, match="a CRM list named 'Board' already exists"):
        crm.create_list("Board", reason="t")
    for bad in ("", " Board", "x" * 256):
        with pytest.raises(UserError, match="1–255 characters"):
            crm.create_list(bad, reason="t")
    assert crm.lists() == ["Board"]


def test_unknown_lists_are_refused_everywhere(crm: CrmWithLists, people: People) -> None:
    calls: list[Callable[[], object]] = [
        lambda: list(crm.list_members("Nope")),
        lambda: crm.rename_list("Nope", "Other", reason="t"),
        lambda: crm.delete_list("Nope", reason="t"),
        lambda: crm.add_to_list("Nope", [people.A1], reason="t"),
        lambda: crm.remove_from_list("Nope", [people.A1], reason="t"),
    ]
    for call in calls:
        with pytest.raises(UserError, match="no CRM list named 'Nope'"):
            call()


def test_add_and_remove_count_journal_and_ignore_what_changes_nothing(
    crm: CrmWithLists, store: Store, cid: int, people: People
) -> None:
    crm.create_list("Board", reason="t")
    assert crm.add_to_list("Board", [people.B2, people.A1, people.A1], reason="joined") == 2
    assert sorted(crm.list_members("Board")) == sorted([people.A1, people.B2])
    assert crm.add_to_list("Board", [people.A1], reason="again") == 0
    assert crm.remove_from_list("Board", [people.A1, people.C3, "999999999"], reason="left") == 1
    assert list(crm.list_members("Board")) == [people.B2]
    assert crm.remove_from_list("Board", [people.A1], reason="again") == 0
    assert journal(store, cid, people.A1) == [
        ("list:Board", None, "member"),
        ("list:Board", "member", None),
    ]
    assert journal(store, cid, people.B2) == [("list:Board", None, "member")]
    assert journal(store, cid, people.C3) == []
    reasons = [e.change.reason for e in history(store, cid, Side.CRM, people.A1)][1:]
    assert reasons == ["joined", "left"]


def test_adding_unknown_accounts_adds_nothing_and_names_them(
    crm: CrmWithLists, people: People
) -> None:
    crm.create_list("Board", reason="t")
    missing = [f"X{n}" for n in range(7)]
    with pytest.raises(UserError, match=r"no account with id 'X0', .*'X4' and 2 more"):
        crm.add_to_list("Board", [people.A1, *missing], reason="t")
    assert list(crm.list_members("Board")) == []


def test_rename_keeps_members_and_journals_under_the_old_name(
    crm: CrmWithLists, store: Store, cid: int, people: People
) -> None:
    crm.create_list("Board", reason="t")
    crm.create_list("Staff", reason="t")
    crm.add_to_list("Board", [people.A1], reason="t")
    with pytest.raises(UserError, match="a CRM list named 'Staff' already exists"):
        crm.rename_list("Board", "Staff", reason="t")
    crm.rename_list("Board", "Trustees", reason="renamed in CC")
    crm.rename_list("Trustees", "Trustees", reason="no-op")
    assert crm.lists() == ["Staff", "Trustees"]
    assert list(crm.list_members("Trustees")) == [people.A1]
    assert crm.account_lists(people.A1) == ["Trustees"]
    assert journal(store, cid, "list:Board") == [
        ("name", None, "Board"),
        ("name", "Board", "Trustees"),
    ]
    assert journal(store, cid, "list:Trustees") == []


def test_delete_drops_memberships_but_keeps_accounts(
    crm: CrmWithLists, store: Store, cid: int, people: People
) -> None:
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [people.A1, people.B2], reason="t")
    crm.delete_list("Board", reason="gone from CC")
    assert crm.lists() == []
    assert crm.account_lists(people.A1) == []
    assert crm.get(people.A1) is not None
    assert journal(store, cid, "list:Board")[-1] == ("name", "Board", None)
    crm.create_list("Board", reason="again")  # the name is free again, and the list empty
    assert list(crm.list_members("Board")) == []


def test_account_lists_names_every_list_of_the_account(crm: CrmWithLists, people: People) -> None:
    for name in ("b-list", "A-list", "c-list"):
        crm.create_list(name, reason="t")
        crm.add_to_list(name, [people.A1], reason="t")
    crm.add_to_list("c-list", [people.B2], reason="t")
    assert crm.account_lists(people.A1) == ["A-list", "b-list", "c-list"]
    assert crm.account_lists(people.B2) == ["c-list"]
    assert crm.account_lists(people.C3) == crm.account_lists("999999999") == []


@only(BUILTIN)
def test_lists_are_per_connection(store: Store, crm: CrmWithLists) -> None:
    other = BuiltinCrm(store, connection_id(store, "other"))
    crm.create_list("Board", reason="t")
    other.create_list("Board", reason="t")  # the same name in another connection is free
    other.create(Account("A1"), reason="t")
    other.add_to_list("Board", ["A1"], reason="t")
    assert list(crm.list_members("Board")) == []


@only(BUILTIN)
def test_deleting_an_account_takes_it_off_its_lists(
    crm: CrmWithLists, store: Store, cid: int, people: People
) -> None:
    """The builtin CRM has no account deletion yet; the foreign key must cascade anyway."""
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [people.A1, people.B2], reason="t")
    with store.session() as session:
        session.execute(
            delete(CrmAccount).where(CrmAccount.connection_id == cid, CrmAccount.id == people.A1)
        )
    assert list(crm.list_members("Board")) == [people.B2]


@pytest.mark.slow
@only(BUILTIN)
def test_fifty_thousand_accounts_go_on_and_off_a_list(
    crm: CrmWithLists, store: Store, cid: int
) -> None:
    ids = [f"M{n:05d}" for n in range(50_000)]
    with store.session() as session:
        catalog = FieldCatalog.read(session, cid)
        at = T0 + timedelta(days=1)
        accounts = [Account(i, created_at=at, updated_at=at) for i in ids]
        insert_accounts(session, cid, accounts, catalog)
    crm.create_list("Everyone", reason="t")
    assert crm.add_to_list("Everyone", ids, reason="bulk") == 50_000
    assert sum(1 for _ in crm.list_members("Everyone")) == 50_000
    assert crm.remove_from_list("Everyone", ids, reason="bulk") == 50_000
    assert list(crm.list_members("Everyone")) == []
    assert journal(store, cid, "M49999") == [
        ("list:Everyone", None, "member"),
        ("list:Everyone", "member", None),
    ]
