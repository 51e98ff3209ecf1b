"""The accounts a `crm load` creates are journaled compactly (store/journal.py, migration
0022): the load's one entry and each account's `created_run_id`. Every reader of a
record's journal still finds each account's "created" entry with the load's run and
reason: `history` (`crm show`, the account page), `/audit` by record, the unsubscribe
reconciliation; and the downgrade writes the entries back as a load once did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from listbridge.core.errors import InvalidRowsError
from listbridge.core.journal import Change, Side
from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.consent_links import opt_out_changed
from listbridge.store.db import Store
from listbridge.store.journal import LOAD_RECORD, history, record_changes
from listbridge.store.journal_search import Cursor, JournalFilter, journal_page
from listbridge.store.migrate import alembic_config, current_revision
from listbridge.store.models import CrmAccount, JournalEntry

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
# A household sharing an address in two cases, an organisation, an opted-out person
# with a Unicode name, and a person given again by the second file.
FIRST = (
    "id,type,first_name,last_name,company_name,email,email_opt_out,custom.Level\n"
    "H1,individual,Ann,Lee,,home@example.org,no,Gold\n"
    "H2,individual,Bo,Lee,,Home@Example.org,no,\n"
    "O1,organization,,,Acme Trading,info@acme.example.com,no,Silver\n"
    "Z1,individual,Zoë,Müller,,zoe@example.de,yes,\n"
)
SECOND = (
    "id,first_name,email,email_opt_out\nH1,Anne,home@example.org,yes\nN1,Cy,cy@example.org,no\n"
)


class Clock:
    """Each load's time: the first at START, each next an hour later."""

    def __init__(self) -> None:
        self.at = START - timedelta(hours=1)

    def __call__(self) -> datetime:
        self.at += timedelta(hours=1)
        return self.at


def _load(store: Store, tmp_path: Path, name: str, text: str, clock: Clock) -> int:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    cid = connection_id(store, "default")
    return load_file(store, cid, path, started_by="pytest", clock=clock).run_id


@pytest.fixture
def loads(store: Store, tmp_path: Path) -> tuple[int, int]:
    clock = Clock()
    return (
        _load(store, tmp_path, "first.csv", FIRST, clock),
        _load(store, tmp_path, "second.csv", SECOND, clock),
    )


def _seen(changes: list[tuple[Change, int | None]]) -> list[tuple[str, str, str | None, str]]:
    return [(c.record_id, c.field, c.new, f"{run} {c.reason} {c.at:%H:%M}") for c, run in changes]


def test_history_finds_each_created_account_with_its_load(
    store: Store, loads: tuple[int, int]
) -> None:
    first, second = loads
    cid = connection_id(store, "default")
    h1 = [(e.change, e.run_id) for e in history(store, cid, Side.CRM, "H1")]
    assert _seen(h1) == [
        ("H1", "*", "created", f"{first} crm load first.csv 08:00"),
        ("H1", "email_opt_out", "true", f"{second} crm load second.csv 09:00"),
        ("H1", "first_name", "Anne", f"{second} crm load second.csv 09:00"),
    ]
    [n1] = history(store, cid, Side.CRM, "N1")
    assert (n1.change.old, n1.change.new, n1.run_id, n1.run_kind, n1.started_by) == (
        None,
        "created",
        second,
        "crm_load",
        "pytest",
    )
    assert history(store, cid, Side.CC, "H1") == []
    assert history(store, connection_id(store, "other"), Side.CRM, "H1") == []


def test_each_load_journals_one_entry_of_its_own(store: Store, loads: tuple[int, int]) -> None:
    first, second = loads
    cid = connection_id(store, "default")
    by_run = journal_page(store, cid, JournalFilter(run_id=first))
    assert [(r.journaled.change.record_id, r.journaled.change.new) for r in by_run.rows] == [
        (LOAD_RECORD, "created 4 accounts")
    ]
    with store.session() as session:
        runs = session.execute(
            select(CrmAccount.id, CrmAccount.created_run_id).order_by(CrmAccount.id)
        ).all()
        entries = session.scalar(select(func.count()).select_from(JournalEntry))
    assert [tuple(r) for r in runs] == [
        ("H1", first), ("H2", first), ("N1", second), ("O1", first), ("Z1", first),
    ]  # fmt: skip
    assert entries == 4  # two loads' own, and H1's two changed fields


def test_audit_by_record_pages_the_created_entry_in_its_place(
    store: Store, loads: tuple[int, int]
) -> None:
    first, second = loads
    cid = connection_id(store, "default")

    def found(**wanted: Any) -> list[tuple[str, int | None]]:
        page = journal_page(store, cid, JournalFilter(record_id="H1", **wanted))
        return [(r.journaled.change.field, r.journaled.run_id) for r in page.rows]

    created = ("*", first)
    assert found() == [("first_name", second), ("email_opt_out", second), created]
    assert found(field="*") == [created]
    assert found(run_id=first) == [created]
    assert found(run_id=second, field="*") == []
    assert found(side=Side.CC) == []
    assert found(until=START + timedelta(minutes=30)) == [created]
    assert found(since=START + timedelta(minutes=30)) == [
        ("first_name", second),
        ("email_opt_out", second),
    ]
    # one row a page: the created entry is the last page, and nothing follows it
    pages, before = [], None
    while True:
        page = journal_page(store, cid, JournalFilter(record_id="H1"), before, size=1)
        pages += [r.journaled.change.field for r in page.rows]
        if page.older is None:
            break
        before = page.older
    assert pages == ["first_name", "email_opt_out", "*"]
    assert journal_page(store, cid, JournalFilter(record_id="H1"), Cursor(START, 0)).rows == []


def test_a_created_opt_out_counts_as_a_crm_change_until_reconciled(
    store: Store, loads: tuple[int, int]
) -> None:
    cid = connection_id(store, "default")
    accounts = ["H1", "H2", "O1", "Z1", "N1"]
    with store.session() as session:

        def changed(since: datetime | None, not_by: str = "unsubscribes") -> set[str]:
            return opt_out_changed(session, cid, accounts, since, not_by, opted_out={"H1", "Z1"})

        # Z1 was created opted out; H1's opt-out changed on the second load; H2, O1 and
        # N1 were created subscribed, which is no opt-out change.
        assert changed(None) == {"H1", "Z1"}
        assert changed(START + timedelta(minutes=30)) == {"H1"}
        assert changed(START + timedelta(hours=2)) == set()
        assert changed(None, not_by="crm_load") == set()


def test_a_refused_file_journals_nothing(store: Store, tmp_path: Path) -> None:
    bad = FIRST + "Q1,individual,Quinn,Ng,,not an address,no,\n"
    with pytest.raises(InvalidRowsError):
        _load(store, tmp_path, "bad.csv", bad, Clock())
    cid = connection_id(store, "default")
    assert history(store, cid, Side.CRM, "H1") == []
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert session.scalar(select(func.count()).select_from(CrmAccount)) == 0


def test_downgrade_writes_each_created_entry_back_and_upgrade_keeps_them(
    store: Store, loads: tuple[int, int]
) -> None:
    first, second = loads
    cid = connection_id(store, "default")
    # an account created by hand (an adapter write) keeps its own entry throughout
    by_hand = Change(Side.CRM, "M1", "*", None, "created", "created in the web admin", START)
    with store.session() as session:
        record_changes(session, cid, None, [by_hand])
    before = {a: history(store, cid, Side.CRM, a) for a in ("H1", "N1", "Z1", "M1")}
    config = alembic_config(store.engine)
    command.downgrade(config, "0021")
    assert current_revision(store.engine) == "0021"
    columns = {c["name"] for c in inspect(store.engine).get_columns("crm_accounts")}
    assert "created_run_id" not in columns
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(JournalEntry.record_id, JournalEntry.run_id, JournalEntry.at)
            .where(JournalEntry.field == "*")
            .order_by(JournalEntry.record_id)
        ).all()
    at = {first: START, second: START + timedelta(hours=1)}
    assert [(r, run, when) for r, run, when in rows] == [
        ("H1", first, at[first]), ("H2", first, at[first]), ("M1", None, START),
        ("N1", second, at[second]), ("O1", first, at[first]), ("Z1", first, at[first]),
    ]  # fmt: skip
    command.upgrade(config, "head")
    after = {a: history(store, cid, Side.CRM, a) for a in before}
    assert after == before
