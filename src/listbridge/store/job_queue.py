"""The queue table's reads and writes (models/job_queue.py): enqueue once, claim, finish.

`enqueue` is one INSERT that the partial unique index refuses while the (connection, job)
already has a queued or running entry: whoever inserts first enqueues, however many ticks
or clicks race, and a connection can hold at most one place per job in the FIFO queue.
`claim` moves an entry to running on a worker; a message delivered again after its worker
died finds the entry running and claims it over (the broker hands a message to one
worker at a time); an entry already finished is never run again. An entry whose message
the broker lost is `release`d as lost (runner/lost_entries.py): its slot is free again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from listbridge.store.db import Store
from listbridge.store.locks import changed
from listbridge.store.models import QueuedJob
from listbridge.store.models.job_queue import ACTIVE_STATES

QUEUED, RUNNING, DONE, SKIPPED, FAILED = "queued", "running", "done", "skipped", "failed"
FINISHED = (DONE, SKIPPED, FAILED)
#: released: its message was lost, nothing would ever run or finish it
LOST = "lost"


@dataclass(frozen=True)
class Entry:
    """One queued job as the web admin, `status` and the tests read it."""

    entry_id: int
    connection_id: int
    job: str
    origin: str
    kind: Mapping[str, Any] | None
    state: str
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str
    task_id: str
    run_id: int | None
    message: str

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


def _entry(row: QueuedJob) -> Entry:
    return Entry(
        row.id, row.connection_id, row.job, row.origin, row.kind, row.state, row.enqueued_at,
        row.started_at, row.finished_at, row.worker, row.task_id, row.run_id, row.message,
    )  # fmt: skip


def enqueue(
    store: Store,
    connection_id: int,
    job: str,
    origin: str,
    at: datetime,
    kind: Mapping[str, Any] | None = None,
    task_id: str = "",
) -> int | None:
    """A new queued entry's id; None when the job is queued or running there already."""
    row = QueuedJob(
        connection_id=connection_id, job=job, origin=origin, state=QUEUED, enqueued_at=at,
        kind=None if kind is None else dict(kind), worker="", task_id=task_id, message="",
    )  # fmt: skip
    try:
        with store.session() as session:
            session.add(row)
            session.flush()
            return int(row.id)
    except IntegrityError:
        return None


def claim(store: Store, entry_id: int, worker: str, at: datetime) -> Entry | None:
    """Mark the entry running on `worker`; None when it finished already (or is gone)."""
    with store.session() as session:
        result = session.execute(
            update(QueuedJob)
            .where(QueuedJob.id == entry_id, QueuedJob.state.in_(ACTIVE_STATES))
            .values(state=RUNNING, worker=worker, started_at=at)
        )
        if changed(result) != 1:
            return None
        row = session.get(QueuedJob, entry_id)
        assert row is not None
        return _entry(row)


def requeue(store: Store, entry_id: int, message: str) -> None:
    """Back to queued (a retry waits for a dead holder's lease to lapse)."""
    with store.session() as session:
        session.execute(
            update(QueuedJob)
            .where(QueuedJob.id == entry_id, QueuedJob.state.in_(ACTIVE_STATES))
            .values(state=QUEUED, message=message)
        )


def note(store: Store, entry_id: int, message: str) -> None:
    """A running job's latest word (its progress), for the web admin's live view."""
    with store.session() as session:
        session.execute(
            update(QueuedJob)
            .where(QueuedJob.id == entry_id, QueuedJob.state == RUNNING)
            .values(message=message)
        )


def finish(
    store: Store,
    entry_id: int,
    state: str,
    at: datetime,
    message: str = "",
    run_id: int | None = None,
) -> None:
    assert state in FINISHED, state
    with store.session() as session:
        session.execute(
            update(QueuedJob)
            .where(QueuedJob.id == entry_id)
            .values(state=state, finished_at=at, message=message, run_id=run_id)
        )


def get_entry(store: Store, entry_id: int) -> Entry | None:
    with store.session() as session:
        row = session.get(QueuedJob, entry_id, populate_existing=True)
        return None if row is None else _entry(row)


def active_entries(store: Store, connection_id: int) -> list[Entry]:
    """The connection's queued and running entries, oldest first."""
    query = (
        select(QueuedJob)
        .where(QueuedJob.connection_id == connection_id, QueuedJob.state.in_(ACTIVE_STATES))
        .order_by(QueuedJob.id)
    )
    with store.session() as session:
        return [_entry(row) for row in session.scalars(query)]


def latest_from(store: Store, connection_id: int, origin_prefix: str) -> Entry | None:
    """The connection's newest entry enqueued by an origin starting with `origin_prefix`."""
    query = (
        select(QueuedJob)
        .where(
            QueuedJob.connection_id == connection_id,
            QueuedJob.origin.startswith(origin_prefix, autoescape=True),
        )
        .order_by(QueuedJob.id.desc())
        .limit(1)
    )
    with store.session() as session:
        row = session.scalars(query).first()
        return None if row is None else _entry(row)


def all_entries(store: Store) -> list[Entry]:
    """Every entry in enqueue order (tests and reports of fairness)."""
    with store.session() as session:
        return [_entry(row) for row in session.scalars(select(QueuedJob).order_by(QueuedJob.id))]


def stale_entries(store: Store, queued_before: datetime, running_before: datetime) -> list[Entry]:
    """Entries queued (or put back in the queue) before `queued_before`, or running since
    before `running_before`, oldest first: the ones that may have lost their message."""
    queued = and_(
        QueuedJob.state == QUEUED,
        QueuedJob.enqueued_at < queued_before,
        or_(QueuedJob.started_at.is_(None), QueuedJob.started_at < queued_before),
    )
    running = and_(QueuedJob.state == RUNNING, QueuedJob.started_at < running_before)
    query = select(QueuedJob).where(or_(queued, running)).order_by(QueuedJob.id)
    with store.session() as session:
        return [_entry(row) for row in session.scalars(query)]


def newest_start_ahead(store: Store, entry_id: int, since: datetime) -> datetime | None:
    """When a worker last took an entry enqueued before `entry_id`, if after `since`."""
    query = select(func.max(QueuedJob.started_at)).where(
        QueuedJob.id < entry_id, QueuedJob.started_at > since
    )
    with store.session() as session:
        return session.scalar(query)


def release(store: Store, seen: Entry, at: datetime, reason: str) -> bool:
    """Mark the entry lost if it is still as `seen` (not claimed, retried or finished
    since); True when it was."""
    same_start = (
        QueuedJob.started_at.is_(None)
        if seen.started_at is None
        else QueuedJob.started_at == seen.started_at
    )
    with store.session() as session:
        result = session.execute(
            update(QueuedJob)
            .where(QueuedJob.id == seen.entry_id, QueuedJob.state == seen.state, same_start)
            .values(state=LOST, finished_at=at, message=reason)
        )
        return changed(result) == 1


def supersede(store: Store, seen: Entry, at: datetime, reason: str) -> bool:
    """End a queued entry skipped with `reason` if it is still as `seen` (its worker's
    retry has not claimed it since); True when it was. Its retry then finds it finished
    and does not run it (`claim`)."""
    with store.session() as session:
        result = session.execute(
            update(QueuedJob)
            .where(
                QueuedJob.id == seen.entry_id,
                QueuedJob.state == QUEUED,
                QueuedJob.message == seen.message,
            )
            .values(state=SKIPPED, finished_at=at, message=reason)
        )
        return changed(result) == 1


def worker_entries(store: Store, connection_id: int) -> list[Entry]:
    """What `status` shows: the queued and running entries, and each entry released as
    lost that no finished entry of its job has followed yet, oldest first."""
    later = QueuedJob.__table__.alias("later")
    followed = exists().where(
        later.c.connection_id == QueuedJob.connection_id,
        later.c.job == QueuedJob.job,
        later.c.id > QueuedJob.id,
        later.c.state.in_(FINISHED),
    )
    shown = or_(QueuedJob.state.in_(ACTIVE_STATES), and_(QueuedJob.state == LOST, ~followed))
    query = (
        select(QueuedJob)
        .where(QueuedJob.connection_id == connection_id, shown)
        .order_by(QueuedJob.id)
    )
    with store.session() as session:
        return [_entry(row) for row in session.scalars(query)]
