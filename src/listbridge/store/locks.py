"""One sync at a time per connection, across processes and hosts.

The lock is a row of `locks`. Taking it is one atomic statement on both
SQLite and PostgreSQL: insert the row, or on conflict take over the existing
row only where its lease has lapsed; the row count says who won, so two
processes can never both believe they hold it. A background thread renews
the lease while the job runs; a holder killed with -9 stops renewing and its
lock is free once the lease lapses, or at once for a job on the holder's own
machine, which sees the process is gone (the row records it). Release deletes
the row only while it is still ours (the `owner` token), never a successor's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from listbridge.core.errors import LockHeldError
from listbridge.core.locks import Holder, Lease, heartbeat_interval, new_lease
from listbridge.store.db import Store
from listbridge.store.models import Connection, Lock
from listbridge.store.processes import holder_is_gone, process_columns, process_of, this_process
from listbridge.store.runs import RunRecorder, interrupt_orphaned_run, recorded_run

log = logging.getLogger(__name__)


def holder_here(job: str) -> str:
    """`job` in this process, e.g. `import (pid 4711 on crm-01)`."""
    return str(Holder(job, os.getpid(), socket.gethostname()))


def _now() -> datetime:
    return datetime.now(UTC)


def changed(result: Result[Any]) -> int:
    """Rows an UPDATE / DELETE / upsert touched: how a conditional write says who won."""
    return cast(CursorResult[Any], result).rowcount


@dataclass
class HeldLock:
    """The lock while a job holds it."""

    store: Store
    connection_id: int
    lease: Lease
    lost_event: threading.Event

    @property
    def lost(self) -> bool:
        """True when a heartbeat found the lock taken over or force-released."""
        return self.lost_event.is_set()

    def check(self) -> None:
        """Raise LockHeldError if the lock was lost: a job must stop writing then."""
        if self.lost:
            raise _held_error(
                self.store, self.connection_id, read_lease(self.store, self.connection_id)
            )

    def attach_run(self, run_id: int) -> None:
        """Name the run in the lock, so a refused job (and recovery) can say which."""
        with self.store.session() as session:
            self.name_run(session, run_id)

    def name_run(self, session: Session, run_id: int) -> None:
        """`attach_run` in the caller's transaction: the one that creates the run, so that
        no run is ever recorded that the lock does not name (killed between the two, it
        would stay `running` for ever: no successor would know to interrupt it)."""
        session.execute(
            update(Lock)
            .where(Lock.connection_id == self.connection_id, Lock.owner == self.lease.owner)
            .values(run_id=run_id)
        )
        self.lease = replace(self.lease, run_id=run_id)


@contextmanager
def connection_lock(
    store: Store,
    connection_id: int,
    holder: str,
    *,
    ttl: timedelta | None = None,
    heartbeat: timedelta | None = None,
) -> Iterator[HeldLock]:
    """Hold the connection's lock for the block, or raise LockHeldError at once.

    The lease lasts ``ttl``, else the configured LISTBRIDGE_LOCK_TTL_SECONDS (60 s)."""
    lease_ttl = ttl or store.config.lock_ttl
    lease = acquire(store, connection_id, holder, lease_ttl)
    held = HeldLock(store, connection_id, lease, threading.Event())
    beat = _Heartbeat(held, lease_ttl, heartbeat or heartbeat_interval(lease_ttl))
    beat.start()
    try:
        yield held
    finally:
        beat.stop()
        _release_quietly(store, connection_id, lease.owner)


def _release_quietly(store: Store, connection_id: int, owner: str) -> None:
    # A failed release must not hide the job's own error; the lease lapses anyway.
    try:
        release(store, connection_id, owner)
    except SQLAlchemyError as error:
        log.warning("could not release the lock (it lapses by itself): %s", error)


@contextmanager
def locked_run(
    store: Store, connection_id: int, kind: str, started_by: str
) -> Iterator[tuple[HeldLock, RunRecorder]]:
    """How a sync job starts: the lock (or LockHeldError, and no run), then its run.

    The lock names the run, so a refused job says which run holds it, and a
    successor that recovers a dead holder's lock marks that run interrupted.
    """
    with (
        connection_lock(store, connection_id, holder_here(kind)) as held,
        recorded_run(store, connection_id, kind, started_by, held.name_run) as run,
    ):
        yield held, run


def acquire(store: Store, connection_id: int, holder: str, ttl: timedelta) -> Lease:
    """Take the lock (or a lapsed one over) in one statement; LockHeldError if it is live."""
    for _ in range(3):
        previous = read_lease(store, connection_id)
        lease = new_lease(uuid.uuid4().hex, holder, _now(), ttl, this_process())
        orphaned = previous if previous and holder_is_gone(previous.process) else None
        with store.session() as session:
            if _take(session, connection_id, lease, orphaned):
                _recover(session, previous, lease, orphaned)
                return lease
        current = read_lease(store, connection_id)
        if current is not None:
            raise _held_error(store, connection_id, current)
        # Released between our attempt and our look: try again.
    raise _held_error(store, connection_id, None)


def _take(session: Session, connection_id: int, lease: Lease, orphaned: Lease | None) -> bool:
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    table = cast(Table, Lock.__table__)
    row = _row(lease)
    lapsed = table.c.expires_at < lease.acquired_at
    # An orphaned lease is taken over only as we saw it, never a successor's since.
    where = or_(lapsed, table.c.owner == orphaned.owner) if orphaned else lapsed
    statement = insert(table).values(connection_id=connection_id, **row)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.connection_id], set_=row, where=where
    )
    # A row comes back only when we inserted or took over a lapsed or orphaned lease.
    return session.execute(statement.returning(table.c.owner)).first() is not None


def _row(lease: Lease) -> dict[str, Any]:
    return {
        "owner": lease.owner,
        "holder": lease.holder,
        "run_id": None,
        "acquired_at": lease.acquired_at,
        "heartbeat_at": lease.heartbeat_at,
        "expires_at": lease.expires_at,
        **process_columns(lease.process),
    }


def _recover(
    session: Session, previous: Lease | None, lease: Lease, orphaned: Lease | None
) -> None:
    """A lapsed or orphaned lock we took over: its holder died, so its run stopped mid-way."""
    if previous is None or not (orphaned or previous.is_stale(lease.acquired_at)):
        return
    log.warning("took over the lock of %s", previous.describe())
    if previous.run_id is not None:
        why = "is no longer running" if orphaned else "stopped renewing the lock"
        message = f"its process stopped: {previous.holder} {why}"
        interrupt_orphaned_run(session, previous.run_id, message, lease.acquired_at)


def renew(store: Store, connection_id: int, owner: str, ttl: timedelta) -> bool:
    """Extend our lease; False when the lock is no longer ours."""
    now = _now()
    with store.session() as session:
        result = session.execute(
            update(Lock)
            .where(Lock.connection_id == connection_id, Lock.owner == owner)
            .values(heartbeat_at=now, expires_at=now + ttl)
        )
        return changed(result) == 1


def release(store: Store, connection_id: int, owner: str) -> bool:
    """Give the lock back if it is still ours; a successor's lock is left alone."""
    with store.session() as session:
        result = session.execute(
            delete(Lock).where(Lock.connection_id == connection_id, Lock.owner == owner)
        )
        return changed(result) == 1


def read_lease(store: Store, connection_id: int) -> Lease | None:
    with store.session() as session:
        row = session.get(Lock, connection_id, populate_existing=True)
        return None if row is None else lease_from_row(row)


def lease_from_row(row: Lock) -> Lease:
    process = process_of(row.process_machine, row.process_pid, row.process_started)
    times = (row.acquired_at, row.heartbeat_at, row.expires_at)
    return Lease(row.owner, row.holder, *times, row.run_id, process)


def _held_error(store: Store, connection_id: int, current: Lease | None) -> LockHeldError:
    with store.session() as session:
        name = session.scalar(select(Connection.name).where(Connection.id == connection_id))
    if current is None:
        holder = "no job now (this job's lease lapsed or was released by an administrator)"
        return LockHeldError(str(name), holder, format_moment(_now()))
    return LockHeldError(str(name), current.describe(), format_moment(current.acquired_at))


def format_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class _Heartbeat(threading.Thread):
    """Renews the lease every `interval` until stopped or the lock is lost."""

    def __init__(self, held: HeldLock, ttl: timedelta, interval: timedelta) -> None:
        super().__init__(name=f"lock-heartbeat-{held.connection_id}", daemon=True)
        self.held, self.ttl, self.interval = held, ttl, interval.total_seconds()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            if not self._beat():
                return

    def _beat(self) -> bool:
        held = self.held
        try:
            ours = renew(held.store, held.connection_id, held.lease.owner, self.ttl)
        except SQLAlchemyError as error:
            # A database hiccup: the next beat may pass; the lease has slack for it.
            log.warning("lock heartbeat failed, will retry: %s", error)
            return True
        if not ours:
            log.error("the lock of connection %s was taken over", held.connection_id)
            held.lost_event.set()
        return ours

    def stop(self) -> None:
        self.stopped.set()
        self.join()
