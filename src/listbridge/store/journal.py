"""The change journal as stored: who changed a record, when, from what to what, and why.

One kind of entry is kept compactly: the accounts a `crm load` creates. The load journals
one entry of its own (`load_entry`: record "", field "*") and marks each account it
creates with its run (`crm_accounts.created_run_id`, migration 0022); each such account's
"created" entry is read from the two (`created_entries`), the same Change a load once
wrote per account, ordered by the load's entry (its time, then its id). Everything that
reads a record's journal reads it through here: `history`, `/audit` by record
(journal_search.py), the unsubscribe reconciliation (consent_links.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import Select, and_, insert, select
from sqlalchemy.orm import Session

from listbridge.core.journal import Change, Side
from listbridge.store.db import Store
from listbridge.store.models import CrmAccount, JournalEntry, Run

BATCH = 1000
IN_CHUNK = 500
#: the record of a load's own entry: `crm load` refuses an empty id, so it is no account's
LOAD_RECORD = ""
CREATED = "*"


@dataclass(frozen=True)
class JournaledChange:
    """A change with the run that made it: what "who changed this and why" answers."""

    change: Change
    run_id: int | None
    run_kind: str | None
    started_by: str | None


@dataclass(frozen=True)
class Entry:
    """A journaled change with the id that orders it (a load's own entry's, for a created
    account of a load)."""

    entry_id: int
    journaled: JournaledChange

    @property
    def key(self) -> tuple[object, int]:
        return (self.journaled.change.at, self.entry_id)


def record_changes(
    session: Session, connection_id: int, run_id: int | None, changes: Iterable[Change]
) -> int:
    """Journal `changes` in the caller's transaction, so each commits with its write."""
    recorded = 0
    pending = iter(changes)
    while chunk := [_values(connection_id, run_id, c) for c in islice(pending, BATCH)]:
        session.execute(insert(JournalEntry), chunk)
        recorded += len(chunk)
    return recorded


def load_entry(reason: str, at: datetime, created: int) -> Change:
    """A load's own entry: it stands for a "created" entry of each account it created."""
    return Change(Side.CRM, LOAD_RECORD, CREATED, None, f"created {created} accounts", reason, at)


def _values(connection_id: int, run_id: int | None, change: Change) -> dict[str, object]:
    return {
        "connection_id": connection_id,
        "run_id": run_id,
        "at": change.at,
        "side": change.side.value,
        "record_id": change.record_id,
        "field": change.field,
        "old_value": change.old,
        "new_value": change.new,
        "reason": change.reason,
    }


def history(store: Store, connection_id: int, side: Side, record_id: str) -> list[JournaledChange]:
    """Every journaled change of one record, oldest first."""
    query = (
        select(JournalEntry, Run.kind, Run.started_by)
        .outerjoin(Run, Run.id == JournalEntry.run_id)
        .where(
            JournalEntry.connection_id == connection_id,
            JournalEntry.side == side.value,
            JournalEntry.record_id == record_id,
        )
        .order_by(JournalEntry.at, JournalEntry.id)
    )
    with store.session() as session:
        found = [Entry(row[0].id, _journaled(*row)) for row in session.execute(query)]
        if side is Side.CRM:
            found += created_entries(session, connection_id, [record_id]).values()
    return [entry.journaled for entry in sorted(found, key=lambda e: e.key)]


def created_entries(
    session: Session, connection_id: int, account_ids: Collection[str]
) -> dict[str, Entry]:
    """account id → its "created" entry, for those of `account_ids` a load created since
    migration 0022 (the others' entries are rows of the journal)."""
    keys = sorted(set(account_ids))
    found: dict[str, Entry] = {}
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        for account_id, load, kind, by in session.execute(_created(connection_id, chunk)):
            change = Change(Side.CRM, account_id, CREATED, None, "created", load.reason, load.at)
            found[account_id] = Entry(load.id, JournaledChange(change, load.run_id, kind, by))
    return found


def _created(connection_id: int, account_ids: list[str]) -> Select[str, JournalEntry, str, str]:
    account, entry = CrmAccount, JournalEntry
    # A connection has one load entry per load: its record index finds them (the run's
    # own index would walk every entry of a load that updated many accounts).
    load = and_(
        entry.connection_id == account.connection_id,
        entry.side == Side.CRM.value,
        entry.record_id == LOAD_RECORD,
        entry.field == CREATED,
        entry.run_id + 0 == account.created_run_id,
    )
    return (
        select(account.id, entry, Run.kind, Run.started_by)
        .join(entry, load)
        .outerjoin(Run, Run.id == entry.run_id)
        .where(account.connection_id == connection_id, account.id.in_(account_ids))
    )


def _journaled(entry: JournalEntry, kind: str | None, by: str | None) -> JournaledChange:
    return JournaledChange(change_of(entry), entry.run_id, kind, by)


def change_of(entry: JournalEntry) -> Change:
    """A journal row as the Change it records."""
    return Change(
        Side(entry.side),
        entry.record_id,
        entry.field,
        entry.old_value,
        entry.new_value,
        entry.reason,
        entry.at,
    )
