"""The web admin's runner when a broker is configured: each button's job goes to the
Celery workers (`listbridge worker`), not a thread of the web server.

It refuses at once, as the in-process runner does, when the connection's lock is held or
a job (a button's or a schedule's) is queued or running there; then it records a queue
entry and sends the message. The live view reads the entry of the latest job started
from the browser (`QueueBoard`): queued, running on a worker with its latest progress,
then its outcome, whichever web process or worker it went through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from listbridge.core.errors import LockHeldError
from listbridge.runner.task_names import QUEUE, WEB_TASK
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


class JobQueuedError(LockHeldError):
    """A job is queued or running on the connection: a button waits for it to finish."""

    def __init__(self, connection: str, entry: Entry) -> None:
        what = KIND_TITLES.get(entry.job, entry.job)
        doing = "waiting for a worker" if entry.state == QUEUED else f"running on {entry.worker}"
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
        entry_id = None
        if not active_entries(self.store, connection_id):
            origin = f"{WEB}:{user}"
            entry_id = enqueue(self.store, connection_id, str(kind.action), origin,
                               self.clock(), data, task_id)  # fmt: skip
        if entry_id is None:  # a job queued there, or another click got there first
            pending = active_entries(self.store, connection_id)
            if pending:
                raise JobQueuedError(name, pending[0])
            raise LockHeldError(name, "another job", format_moment(self.clock()))
        self._send(entry_id, task_id, [entry_id, data, connection_id, user])

    def _send(self, entry_id: int, task_id: str, args: list[Any]) -> None:
        try:
            self.app.send_task(WEB_TASK, args=args, queue=QUEUE, task_id=task_id)
        except Exception as error:
            # An entry without its message would refuse every later button.
            finish(self.store, entry_id, FAILED, self.clock(), f"could not enqueue: {error}")
            raise
