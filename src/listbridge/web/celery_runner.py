"""The web admin's runner when a broker is configured: each button's job goes to the
Celery workers (`listbridge worker`), not a thread of the web server.

It refuses at once, as the in-process runner does, when the connection's lock is held or
a job (a button's or a schedule's) is queued or running there; then it records a queue
entry and sends the message. A schedule's entry that only waits for its lock retry (the
lock refused it earlier, runner/tasks.py) is not in the way: see `CeleryRunner._way_clear`.
The live view reads the entry of the latest job started from the browser (`QueueBoard`):
queued, running on a worker with its latest progress, then its outcome, whichever web
process or worker it went through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from listbridge.core.errors import LockHeldError
from listbridge.runner.task_names import QUEUE, WEB_TASK
from listbridge.runner.tasks import TRYING_AGAIN, WAITING_FOR_LOCK
from listbridge.runner.tick import ORIGIN as SCHEDULER
from listbridge.store.connections import connection_name
from listbridge.store.db import Store
from listbridge.store.job_queue import (
    DONE,
    FAILED,
    QUEUED,
    Entry,
    active_entries,
    enqueue,
    finish,
    latest_from,
    supersede,
)
from listbridge.store.locks import format_moment
from listbridge.web.job_kinds import kind_from_json, kind_to_json
from listbridge.web.job_notice import KIND_TITLES, WEB, busy_notice
from listbridge.web.job_work import Kind, Outcome
from listbridge.web.jobs import InProcessRunner, JobBoard, JobRunner, JobStatus

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def runner_for(store: Store) -> tuple[JobRunner, JobBoard]:
    """The in-process runner, or with LISTBRIDGE_BROKER_URL set the Celery workers'."""
    if not store.config.broker_url:
        runner = InProcessRunner(store)
        return runner, runner.board
    from listbridge.runner.celery_app import celery_app

    board = QueueBoard(store)
    return CeleryRunner(store, celery_app(store.config, "serve"), board), board


def _who(origin: str) -> str:
    """`web:alice` → alice; `scheduler` → the scheduler."""
    trigger, _, user = origin.partition(":")
    return user if trigger == WEB and user else f"the {trigger}"


def entry_status(entry: Entry) -> JobStatus:
    """A button's queue entry as the live view shows a job."""
    kind = kind_from_json(entry.kind or {})
    user = _who(entry.origin)
    since = entry.started_at or entry.enqueued_at
    if entry.active:
        waiting = entry.state == QUEUED
        message = entry.message or ("queued, waiting for a worker" if waiting else "running")
        if not waiting:
            message = f"{message} (on {entry.worker})"
        return JobStatus(kind, user, since, message)
    summary, *details = entry.message.split("\n") or [""]
    outcome = Outcome(entry.state == DONE, summary, tuple(details), entry.run_id)
    return JobStatus(kind, user, since, summary, outcome=outcome, finished_at=entry.finished_at)


class QueueBoard(JobBoard):
    """The latest job started from the browser, read from the queue table."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def get(self, connection_id: int) -> JobStatus | None:
        entry = latest_from(self.store, connection_id, f"{WEB}:")
        return None if entry is None or entry.kind is None else entry_status(entry)


def waits_for_retry(entry: Entry) -> bool:
    """A schedule's entry queued until its retry tries the lock again (it was refused)."""
    return (
        entry.state == QUEUED
        and entry.origin == SCHEDULER
        and entry.message.startswith(WAITING_FOR_LOCK)
    )


def _doing(entry: Entry) -> str:
    if entry.state != QUEUED:
        return f"running on {entry.worker}"
    if waits_for_retry(entry):
        # `…; trying again at 16:05:00 (local time) (refused twice in a row)`
        at = entry.message.rpartition(TRYING_AGAIN)[2].partition(" (refused")[0]
        return f"waiting to try the connection's lock again at {at}"
    return "waiting for a worker"


class JobQueuedError(LockHeldError):
    """A job is queued or running on the connection: a button waits for it to finish."""

    def __init__(self, connection: str, entry: Entry) -> None:
        what = KIND_TITLES.get(entry.job, entry.job)
        doing = _doing(entry)
        since = format_moment(entry.enqueued_at)
        holder = f"the {what} {_who(entry.origin)} queued at {since}"
        super().__init__(connection, holder, since)
        Exception.__init__(
            self, f"connection {connection!r} is busy: {holder} is {doing}; "
            "try again when it finishes",
        )  # fmt: skip


@dataclass
class CeleryRunner:
    store: Store
    app: Any
    board: QueueBoard
    clock: Clock = field(default=_now)

    def start(self, kind: Kind, connection_id: int, user: str) -> None:
        name = connection_name(self.store, connection_id)
        holder = busy_notice(self.store, connection_id, self.board)
        if holder is not None:
            raise LockHeldError(name, holder.who_and_what, format_moment(holder.since))
        data, task_id = kind_to_json(kind), uuid.uuid4().hex
        job, origin, now = str(kind.action), f"{WEB}:{user}", self.clock()
        entry_id = None
        if self._way_clear(connection_id, name, kind, job, user, now):
            entry_id = enqueue(self.store, connection_id, job, origin, now, data, task_id)
        if entry_id is None:  # a job queued there, or another click got there first
            pending = active_entries(self.store, connection_id)
            if pending:
                raise JobQueuedError(name, pending[0])
            raise LockHeldError(name, "another job", format_moment(self.clock()))
        self._send(entry_id, task_id, [entry_id, data, connection_id, user])

    def _way_clear(
        self, connection_id: int, name: str, kind: Kind, job: str, user: str, now: datetime
    ) -> bool:
        """Whether the button's job may be enqueued (the lock is free: `start` saw it).

        A schedule's entry waiting for its lock retry is not in the way. It was refused
        by a holder that may have finished long ago, and sleeps until its retry (up to
        15 minutes); a person who presses a button while nothing runs expects the job to
        start, not to be told to wait for a worker while every worker is idle. The lock
        still keeps one sync at a time: the schedule's retry meets the button's job's
        lock if it still runs, and waits its turn again (or yields to its next slot).
        The one place a (connection, job) has in the queue is taken by the schedule,
        though: a real full sync from the button does what the waiting full-sync slot
        would, so it supersedes that slot (skipped, saying by whom), rather than running
        a second full sync after it; a dry run does not do the slot's work, so it is
        refused, saying when the schedule tries again."""
        pending = active_entries(self.store, connection_id)
        in_way = [entry for entry in pending if not waits_for_retry(entry)]
        if in_way:
            raise JobQueuedError(name, in_way[0])
        for waiting in pending:
            if waiting.job != job:
                continue
            if kind.dry_run:
                raise JobQueuedError(name, waiting)
            by = f"skipped: superseded by the {kind} {user} started at {format_moment(now)}"
            if not supersede(self.store, waiting, now, by):
                return False  # its retry claimed it since: refused below, as it runs
        return True

    def _send(self, entry_id: int, task_id: str, args: list[Any]) -> None:
        try:
            self.app.send_task(WEB_TASK, args=args, queue=QUEUE, task_id=task_id)
        except Exception as error:
            # An entry without its message would refuse every later button.
            finish(self.store, entry_id, FAILED, self.clock(), f"could not enqueue: {error}")
            raise
