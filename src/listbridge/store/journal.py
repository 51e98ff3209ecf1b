"""The change journal as stored: who changed a record, when, from what to what, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from listbridge.core.journal import Change, Side
from listbridge.store.db import Store
from listbridge.store.models import JournalEntry, Run

BATCH = 1000


@dataclass(frozen=True)
class JournaledChange:
    """A change with the run that made it: what "who changed this and why" answers."""

    change: Change
    run_id: int | None
    run_kind: str | None
    started_by: str | None


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
        return [_journaled(*row) for row in session.execute(query)]


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
