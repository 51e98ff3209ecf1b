"""What the scheduler reads: the connections to serve, and when a job last started."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from listbridge.store.db import Store
from listbridge.store.models import CcAccount, Connection, Run


def connection_ids(store: Store) -> list[int]:
    """Connections with a Constant Contact account (the others have nothing to sync)."""
    query = select(Connection.id).join(CcAccount, CcAccount.connection_id == Connection.id)
    with store.session() as session:
        return sorted(int(i) for i in session.scalars(query))


def last_started(store: Store, connection_id: int, kind: str) -> datetime | None:
    query = select(func.max(Run.started_at)).where(
        Run.connection_id == connection_id, Run.kind == kind
    )
    with store.session() as session:
        found: datetime | None = session.scalar(query)
        return found
