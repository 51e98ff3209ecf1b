"""What an administrator does with locks: see who holds which, free a dead holder's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, select

from listbridge.core.errors import UserError
from listbridge.core.locks import Lease
from listbridge.store.db import Store
from listbridge.store.locks import changed, format_moment, lease_from_row
from listbridge.store.models import Connection, Lock
from listbridge.store.processes import holder_is_gone


@dataclass(frozen=True)
class ConnectionLease:
    connection: str
    lease: Lease
    stale: bool


class Released(StrEnum):
    NOTHING = "nothing"
    STALE = "stale"
    FORCED = "forced"


@dataclass(frozen=True)
class ReleaseOutcome:
    connection: str
    released: Released
    lease: Lease | None


def list_leases(store: Store) -> list[ConnectionLease]:
    """Every lock of every connection, by connection name."""
    now = datetime.now(UTC)
    query = select(Connection.name, Lock).join(Lock, Lock.connection_id == Connection.id)
    with store.session() as session:
        rows = session.execute(query.order_by(Connection.name))
        leases = [(name, lease_from_row(row)) for name, row in rows]
    return [ConnectionLease(name, lease, _dead(lease, now)) for name, lease in leases]


def _dead(lease: Lease, now: datetime) -> bool:
    """As a job judges it: lapsed, or held by a process of this machine that is gone."""
    return lease.is_stale(now) or holder_is_gone(lease.process)


def release_lock(store: Store, connection: str, *, force: bool = False) -> ReleaseOutcome:
    """Free a lapsed lock; a live one only with `force` (its holder then loses it)."""
    current = _lease_of(store, connection)
    if current is None:
        return ReleaseOutcome(connection, Released.NOTHING, None)
    connection_id, lease = current
    stale = _dead(lease, datetime.now(UTC))
    if not stale and not force:
        raise UserError(
            f"the lock of connection {connection!r} is live: {lease.describe()} renewed it at "
            f"{format_moment(lease.heartbeat_at)}; if that process is gone, wait until "
            f"{format_moment(lease.expires_at)} or release it with --force"
        )
    with store.session() as session:
        # Only the lease we looked at: a job that took the lock since keeps it.
        gone = session.execute(
            delete(Lock).where(Lock.connection_id == connection_id, Lock.owner == lease.owner)
        )
    released = Released.STALE if stale else Released.FORCED
    return ReleaseOutcome(connection, released if changed(gone) else Released.NOTHING, lease)


def _lease_of(store: Store, connection: str) -> tuple[int, Lease] | None:
    with store.session() as session:
        connection_id = session.scalar(select(Connection.id).where(Connection.name == connection))
        if connection_id is None:
            raise UserError(f"no connection named {connection!r}")
        row = session.get(Lock, connection_id)
        if row is None:
            return None
        return connection_id, lease_from_row(row)
