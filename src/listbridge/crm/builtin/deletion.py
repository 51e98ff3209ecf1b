"""Deleted accounts of the builtin CRM: marked, never removed.

`crm delete` sets `deleted_at` and keeps the row, so the account's journal, its
link to a Constant Contact contact and its opt-out survive. Every read a job
makes (`changed_since`, `get`, `get_many`, `find_by_email`) leaves a deleted
account out, which is how `push.on_crm_delete` sees it: linked, but gone from the
CRM. `crm load` of a file with the same id restores it. Both moves are journaled
as the field `deleted` (false → true, true → false), in the write's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from listbridge.core.journal import Change, Side
from listbridge.crm.builtin.records import ACCOUNTS, IN_CHUNK
from listbridge.store.journal import record_changes

FIELD = "deleted"


def stored_state(
    session: Session, connection_id: int, account_ids: Sequence[str]
) -> dict[str, datetime | None]:
    """id → when it was deleted (None: not deleted), for the ids that are stored."""
    found: dict[str, datetime | None] = {}
    for start in range(0, len(account_ids), IN_CHUNK):
        chunk = account_ids[start : start + IN_CHUNK]
        query = select(ACCOUNTS.c.id, ACCOUNTS.c.deleted_at).where(
            ACCOUNTS.c.connection_id == connection_id, ACCOUNTS.c.id.in_(chunk)
        )
        found.update({str(i): at for i, at in session.execute(query)})
    return found


def deleted_ids(session: Session, connection_id: int) -> set[str]:
    """Every deleted account of the connection (few: deletions are by hand)."""
    query = select(ACCOUNTS.c.id).where(
        ACCOUNTS.c.connection_id == connection_id, ACCOUNTS.c.deleted_at.is_not(None)
    )
    return {str(i) for i in session.scalars(query)}


def mark_deleted(
    session: Session,
    connection_id: int,
    account_ids: Sequence[str],
    at: datetime,
    reason: str,
    run_id: int | None = None,
) -> None:
    """Mark these (stored, not yet deleted) accounts deleted, and journal it."""
    _set(session, connection_id, list(account_ids), at, deleted=True)
    changes = (Change(Side.CRM, i, FIELD, "false", "true", reason, at) for i in account_ids)
    record_changes(session, connection_id, run_id, changes)


def restore(
    session: Session,
    connection_id: int,
    account_ids: Sequence[str],
    at: datetime,
    reason: str,
    run_id: int | None = None,
) -> set[str]:
    """Un-delete those of these accounts that are deleted (journaled); returns their ids."""
    state = stored_state(session, connection_id, account_ids)
    deleted = sorted(i for i, when in state.items() if when is not None)
    _set(session, connection_id, deleted, at, deleted=False)
    changes = (Change(Side.CRM, i, FIELD, "true", "false", reason, at) for i in deleted)
    record_changes(session, connection_id, run_id, changes)
    return set(deleted)


def _set(
    session: Session, connection_id: int, account_ids: list[str], at: datetime, *, deleted: bool
) -> None:
    # updated_at moves too: an incremental reader (changed_since) must see the account
    # come back, and the unsubscribes cursor must not skip it.
    for start in range(0, len(account_ids), IN_CHUNK):
        statement = (
            update(ACCOUNTS)
            .where(
                ACCOUNTS.c.connection_id == connection_id,
                ACCOUNTS.c.id.in_(account_ids[start : start + IN_CHUNK]),
            )
            .values(deleted_at=at if deleted else None, updated_at=at)
        )
        session.execute(statement, execution_options={"synchronize_session": False})
