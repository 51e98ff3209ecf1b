"""What `runs undo` reads of the journal: a run's own entries, the later changes to the
records it touched, and whether an undo already reverted it."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, or_, select

from listbridge.core.journal import Side
from listbridge.core.runs import RunStatus
from listbridge.core.undo_plan import Entry, Later
from listbridge.store.db import Store
from listbridge.store.models import JournalEntry, Run

UNDO_KIND = "undo"
IN_CHUNK = 500


def undo_message(run_id: int) -> str:
    """The undo run's message, which also marks the run it undid."""
    return f"undo of run {run_id}"


def run_entries(store: Store, connection_id: int, run_id: int) -> list[Entry]:
    """The run's journal, oldest first."""
    j = JournalEntry
    query = (
        select(j.side, j.record_id, j.field, j.old_value, j.new_value)
        .where(j.connection_id == connection_id, j.run_id == run_id)
        .order_by(j.id)
    )
    with store.session() as session:
        return [Entry(Side(s), r, f, o, n) for s, r, f, o, n in session.execute(query)]


def later_changes(
    store: Store, connection_id: int, run_id: int, records: Collection[tuple[Side, str]]
) -> list[Later]:
    """Entries journaled after the run's last one on these records, by other runs or by
    hand (run None), oldest first; an earlier, interrupted undo of the run does not count.
    Entry ids grow with time: one sync at a time per connection, so nothing of another run
    interleaves with the run's own."""
    j = JournalEntry
    with store.session() as session:
        last = session.scalar(
            select(func.max(j.id)).where(j.connection_id == connection_id, j.run_id == run_id)
        )
        if last is None:
            return []
        wanted = sorted(records)
        found: list[Later] = []
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            query = (
                select(j.side, j.record_id, j.field, j.run_id)
                .where(
                    j.connection_id == connection_id,
                    j.id > last,
                    or_(j.run_id.is_(None), j.run_id != run_id),
                    # an interrupted undo of this run is finished by the next, not a conflict
                    j.reason != undo_message(run_id),
                    j.record_id.in_(sorted({record for _, record in chunk})),
                )
                .order_by(j.id)
            )
            keep = set(chunk)
            found += [
                Later(Side(s), r, f, i)
                for s, r, f, i in session.execute(query)
                if (Side(s), r) in keep
            ]
        return found


def undone_by(store: Store, connection_id: int, run_id: int) -> int | None:
    """The undo run that already reverted `run_id` (None: none did)."""
    query = select(func.min(Run.id)).where(
        Run.connection_id == connection_id,
        Run.kind == UNDO_KIND,
        Run.message == undo_message(run_id),
        Run.status.in_([RunStatus.SUCCEEDED.value, RunStatus.PARTIAL.value]),
    )
    with store.session() as session:
        return session.scalar(query)
