"""Searching the change journal (``/audit``): one connection's changes, newest first, a
page at a time, with who made them.

The journal grows by a row per changed field, so a page must never read the whole of it.
(The accounts a `crm load` creates have one row between them, the load's own; a record's
"created" entry is read beside its rows, store/journal.py.)
Each filter leads to one index (models/runs.py JournalEntry): a record → ``ix_journal_record``,
a run → ``ix_journal_run``, a field → ``ix_journal_field``, otherwise ``ix_journal_at``, whose
order is the page's order. Pages are keyset pages: the next one starts below the last row
seen (its ``at`` and ``id``), so page 1,000 costs what page 1 does; nothing is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import Session

from listbridge.core.journal import Side
from listbridge.store.db import Store
from listbridge.store.journal import Entry, JournaledChange, change_of, created_entries
from listbridge.store.models import JournalEntry, Run

PAGE_SIZE = 50
#: rows per read of a CSV download: memory stays flat however large the selection
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class JournalFilter:
    """What to look for; None (or empty) means "any". `until` is exclusive."""

    record_id: str | None = None
    side: Side | None = None
    run_id: int | None = None
    field: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: strictly older than the row (`at`, `entry_id`)."""

    at: datetime
    entry_id: int


@dataclass(frozen=True)
class AuditRow:
    entry_id: int
    journaled: JournaledChange


@dataclass(frozen=True)
class JournalPage:
    rows: list[AuditRow]
    #: the next (older) page's cursor; None on the last page
    older: Cursor | None


def journal_page(
    store: Store,
    connection_id: int,
    wanted: JournalFilter,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> JournalPage:
    """Up to `size` changes older than `before` (the newest when None)."""
    sqlite = store.engine.dialect.name == "sqlite"
    query = _query(connection_id, wanted, before, sqlite).limit(size + 1)
    with store.session() as session:
        rows = [_row(*found) for found in session.execute(query)]
        if wanted.record_id is not None:
            rows = _with_created(session, connection_id, wanted, before, rows)[: size + 1]
    if len(rows) <= size:
        return JournalPage(rows, None)
    last = rows[size - 1]
    return JournalPage(rows[:size], Cursor(last.journaled.change.at, last.entry_id))


def cursor_of(store: Store, connection_id: int, entry_id: int) -> Cursor | None:
    """The cursor just below journal row `entry_id` (None: no such row here)."""
    query = select(JournalEntry.at).where(
        JournalEntry.id == entry_id, JournalEntry.connection_id == connection_id
    )
    with store.session() as session:
        at = session.scalar(query)
    return None if at is None else Cursor(at, entry_id)


def iter_journal(store: Store, connection_id: int, wanted: JournalFilter) -> Iterator[AuditRow]:
    """Every change of the selection, newest first, read a batch at a time (each batch in
    its own short transaction, so a slow download holds nothing open)."""
    before: Cursor | None = None
    while True:
        page = journal_page(store, connection_id, wanted, before, EXPORT_BATCH)
        yield from page.rows
        if page.older is None:
            return
        before = page.older


def _query(
    connection_id: int, wanted: JournalFilter, before: Cursor | None, sqlite: bool = True
) -> Select[JournalEntry, str, str]:
    entry, when = JournalEntry, _when(wanted)
    query = (
        select(entry, Run.kind, Run.started_by)
        .outerjoin(Run, Run.id == entry.run_id)
        .where(_connection_is(wanted, connection_id), *_conditions(wanted, when))
    )
    if _by_run(wanted):
        query = query.order_by((entry.id if sqlite else entry.id + 0).desc())
        return query if before is None else query.where(entry.id < before.entry_id)
    query = query.order_by(when.desc(), entry.id.desc())
    return query if before is None else query.where(_older_than(when, before))


# How each filter gets its index. SQLite's planner keeps no statistics: left to itself it
# walks the whole connection in ``ix_journal_at`` order (which needs no sort) to find one
# record's or one run's rows (measured at 1M rows: 300 ms instead of 2 ms). So when a record
# or a run is asked for, `at` is written as coalesce(at, at), which no index provides, and
# for a run the connection as connection_id + 0: only the record's or the run's own index is
# left. A record's few rows are then sorted. A run's rows are taken in the order the run
# journaled them (id: the run's clock only moves forward as it writes), which its index
# holds, so a run of 100,000 changes costs a page, not a sort of 100,000 rows (700 ms).
# PostgreSQL plans from its statistics, but would walk the primary key backwards to a big
# run's rows (200 ms when they sit in the middle of 1M); its (run_id) index holds no id
# order, so there the id is written id + 0 and the run's rows are found by their index and
# sorted (a top-N sort).


def _by_run(wanted: JournalFilter) -> bool:
    return wanted.run_id is not None and wanted.record_id is None


def _when(wanted: JournalFilter) -> SQLColumnExpression[datetime]:
    if wanted.record_id is None and wanted.run_id is None:
        return JournalEntry.at
    return func.coalesce(JournalEntry.at, JournalEntry.at)


def _connection_is(wanted: JournalFilter, connection_id: int) -> ColumnElement[bool]:
    if _by_run(wanted):
        return JournalEntry.connection_id + 0 == connection_id
    return JournalEntry.connection_id == connection_id


def _conditions(
    wanted: JournalFilter, when: SQLColumnExpression[datetime]
) -> list[ColumnElement[bool]]:
    entry = JournalEntry
    found: list[ColumnElement[bool]] = []
    if wanted.record_id is not None:
        # Both sides spelled out when none is asked for: the record index starts with
        # (connection_id, side, record_id), and an IN keeps it usable.
        sides = [wanted.side] if wanted.side else list(Side)
        found += [entry.side.in_([s.value for s in sides]), entry.record_id == wanted.record_id]
    elif wanted.side is not None:
        found.append(entry.side == wanted.side.value)
    if wanted.run_id is not None:
        found.append(entry.run_id == wanted.run_id)
    if wanted.field is not None:
        found.append(entry.field == wanted.field)
    if wanted.since is not None:
        found.append(when >= wanted.since)
    if wanted.until is not None:
        found.append(when < wanted.until)
    return found


def _older_than(when: SQLColumnExpression[datetime], before: Cursor) -> ColumnElement[bool]:
    # `when <= …` on its own lets an index seek to the page; the OR alone would not.
    entry_id = JournalEntry.id
    return and_(
        when <= before.at,
        or_(when < before.at, and_(when == before.at, entry_id < before.entry_id)),
    )


def _with_created(
    session: Session,
    connection_id: int,
    wanted: JournalFilter,
    before: Cursor | None,
    rows: list[AuditRow],
) -> list[AuditRow]:
    """`rows` (one record's, newest first) with the record's "created" entry when a load
    made it (store/journal.py) and it is one the filter and the page take."""
    assert wanted.record_id is not None
    entry = created_entries(session, connection_id, [wanted.record_id]).get(wanted.record_id)
    if entry is None or not _takes(wanted, before, entry):
        return rows
    found = [*rows, AuditRow(entry.entry_id, entry.journaled)]
    return sorted(found, key=lambda r: (r.journaled.change.at, r.entry_id), reverse=True)


def _takes(wanted: JournalFilter, before: Cursor | None, entry: Entry) -> bool:
    change, at = entry.journaled.change, entry.journaled.change.at
    return (
        wanted.side in (None, Side.CRM)
        and wanted.run_id in (None, entry.journaled.run_id)
        and wanted.field in (None, change.field)
        and (wanted.since is None or at >= wanted.since)
        and (wanted.until is None or at < wanted.until)
        and (before is None or (at, entry.entry_id) < (before.at, before.entry_id))
    )


def _row(entry: JournalEntry, kind: str | None, by: str | None) -> AuditRow:
    return AuditRow(entry.id, JournaledChange(change_of(entry), entry.run_id, kind, by))
