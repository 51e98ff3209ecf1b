"""An undone import's cursors: forgotten, so that the next import reads those lists whole
again and brings back the contacts the undo took out of the CRM (an import's matching
never makes a duplicate; an incremental one would skip contacts unchanged since)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from listbridge.store.models import ImportCursor


def forget_cursors_of(session: Session, connection_id: int, run_id: int) -> int:
    """The cursors `run_id` advanced last (a later import's stay); how many."""
    done = session.execute(
        delete(ImportCursor).where(
            ImportCursor.connection_id == connection_id, ImportCursor.run_id == run_id
        )
    )
    return int(getattr(done, "rowcount", 0) or 0)
