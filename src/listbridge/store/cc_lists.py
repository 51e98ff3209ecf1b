"""Our mirror of the connection's Constant Contact lists.

Refreshed from CC whenever a command needs it (lists are few; CC has no
updated-since filter for them). `hidden` is ours alone and survives a refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from listbridge.core.cc_records import CcList
from listbridge.store.models import CcListMirror


@dataclass(frozen=True)
class MirroredList:
    cc_list_id: str
    name: str
    hidden: bool
    deleted: bool
    cc_members: int | None
    last_sync: datetime | None


def refresh_lists(
    session: Session, connection_id: int, lists: Iterable[CcList], at: datetime
) -> list[MirroredList]:
    """Bring the mirror in step with CC's lists (a list gone from CC is marked deleted)."""
    existing = {
        m.cc_list_id: m
        for m in session.scalars(
            select(CcListMirror).where(CcListMirror.connection_id == connection_id)
        )
    }
    seen: set[str] = set()
    for lst in lists:
        seen.add(lst.list_id)
        row = existing.get(lst.list_id)
        if row is None:
            row = CcListMirror(connection_id=connection_id, cc_list_id=lst.list_id, hidden=False)
            session.add(row)
        row.name, row.description, row.deleted = lst.name, lst.description, lst.deleted
        row.cc_members, row.refreshed_at = lst.membership_count, at
    for list_id, row in existing.items():
        if list_id not in seen:
            row.deleted, row.refreshed_at = True, at
    session.flush()
    return mirrored_lists(session, connection_id)


def mirrored_lists(session: Session, connection_id: int) -> list[MirroredList]:
    query = (
        select(CcListMirror)
        .where(CcListMirror.connection_id == connection_id)
        .order_by(CcListMirror.name, CcListMirror.cc_list_id)
    )
    return [
        MirroredList(m.cc_list_id, m.name, m.hidden, m.deleted, m.cc_members, m.last_sync)
        for m in session.scalars(query)
    ]


def mark_synced(
    session: Session, connection_id: int, list_ids: Sequence[str], at: datetime
) -> None:
    """The lists whose membership a job just brought into the CRM."""
    if list_ids:
        session.execute(
            update(CcListMirror)
            .where(
                CcListMirror.connection_id == connection_id,
                CcListMirror.cc_list_id.in_(list(list_ids)),
            )
            .values(last_sync=at)
        )
