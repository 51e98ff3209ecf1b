"""The web admin's runner when a broker is configured: each button's job goes to the
Celery workers (`listbridge worker`), not a thread of the web server.

It refuses at once, as the in-process runner does, when the connection's lock is held or
a job (a button's or a schedule's) is queued or running there; then it records a queue
entry and sends the message. The live view reads the entry of the latest job started
from the browser (`QueueBoard`): queued, running on a worker with its latest progress,
then its outcome, whichever web process or worker it went through.
"""

from __future__ import annotations

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
    set_task,
)
from listbridge.store.locks import format_moment
from listbridge.web.job_kinds import kind_from_json, kind_to_json
from listbridge.web.job_notice import KIND_TITLES, WEB, Notice, busy_notice
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


def queued_notice(entry: Entry) -> Notice:
    who = _who(entry.origin)
    what = KIND_TITLES.get(entry.job, entry.job)
    state = "queued" if entry.state == QUEUED else f"running on {entry.worker}"
    return Notice(who, f"{what} ({state})", entry.enqueued_at)


@dataclass
class CeleryRunner:
    store: Store
    app: Any
    board: QueueBoard
    clock: Clock = field(default=_now)

    def start(self, kind: Kind, connection_id: int, user: str) -> None:
        holder = busy_notice(self.store, connection_id, self.board)
        pending = active_entries(self.store, connection_id)
        if holder is None and pending:
            holder = queued_notice(pending[0])
        entry_id = None
        if holder is None:
            data = kind_to_json(kind)
            origin = f"{WEB}:{user}"
            entry_id = enqueue(self.store, connection_id, str(kind.action), origin,
                               self.clock(), data)  # fmt: skip
            if entry_id is None:  # another click got there first
                pending = active_entries(self.store, connection_id)
                holder = queued_notice(pending[0]) if pending else None
        if entry_id is None:
            name = connection_name(self.store, connection_id)
            who = holder.who_and_what if holder else "another job"
            raise LockHeldError(name, who, format_moment(holder.since if holder else _now()))
        self._send(entry_id, kind_to_json(kind), connection_id, user)

    def _send(self, entry_id: int, data: dict[str, Any], connection_id: int, user: str) -> None:
        try:
            sent = self.app.send_task(
                WEB_TASK, args=[entry_id, data, connection_id, user], queue=QUEUE
            )
        except Exception as error:
            # An entry without its message would refuse every later button.
            finish(self.store, entry_id, FAILED, self.clock(), f"could not enqueue: {error}")
            raise
        set_task(self.store, entry_id, str(sent.id))
