"""What a worker does with a queued job: claim its entry, run the job, record the end.

The jobs are the CLI's and the in-process scheduler's own (the registry's `job`, the web
admin's `perform`), started through the same `JobStart`; only the runner differs.

A job that meets the connection's lock held:
- by a holder that looks dead (it stopped renewing) whose lease has not lapsed yet (a
  worker killed on another machine): the task is retried once the lease lapses, and the
  job then takes the lock over and resumes from its checkpoints;
- by a live holder, when this very entry was running already (the broker delivered it
  again while its first worker still works, past the visibility timeout): retried the
  same way, and dropped once that worker finishes the entry;
- else, for a schedule, skipped to the next slot as the in-process scheduler does; for
  a button, refused with the holder's words (`refused`).
A holder killed on the worker's own machine needs no wait: the lock sees it is gone.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from listbridge.core.errors import LockHeldError
from listbridge.core.locks import BEATS_PER_TTL
from listbridge.runner.registry import Registry
from listbridge.runner.slots import skip_reason
from listbridge.runner.task_names import SCHEDULE_TASK, TICK_TASK
from listbridge.runner.tick import enqueue_due
from listbridge.store.db import Store
from listbridge.store.job_queue import (
    DONE,
    FAILED,
    RUNNING,
    SKIPPED,
    claim,
    finish,
    get_entry,
    requeue,
)
from listbridge.store.locks import read_lease

log = logging.getLogger("listbridge.worker")
#: a retry waits this much past the lease's end, so that it finds the lease lapsed
MARGIN = timedelta(milliseconds=200)


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class Done:
    """How a queued job ended: its entry's state and message, and its run."""

    state: str
    message: str
    run_id: int | None = None


def lease_wait(store: Store, connection_id: int, redelivered: bool, now: datetime) -> float | None:
    """Seconds until the connection's lock can be taken over, if the job should wait for
    it (see the module); None: the lock's holder is alive, the job is refused or skipped."""
    lease = read_lease(store, connection_id)
    if lease is None:
        return MARGIN.total_seconds()  # released since: try again at once
    ttl = lease.expires_at - lease.heartbeat_at
    silent = now - lease.heartbeat_at > ttl * (BEATS_PER_TTL - 1) / BEATS_PER_TTL
    if not (silent or redelivered):
        return None
    return max(lease.expires_at - now + MARGIN, MARGIN).total_seconds()


def serve_entry(
    store: Store,
    task: Any,
    entry_id: int,
    work: Callable[[], Done],
    refused: Callable[[LockHeldError], Done],
) -> None:
    """Run a queued entry's job on this worker and record how it ended."""
    before = get_entry(store, entry_id)
    entry = claim(store, entry_id, worker_name(), utc_now())
    if before is None or entry is None:
        log.info("queue entry %s finished already: not run again", entry_id)
        return
    try:
        done = work()
    except LockHeldError as error:
        wait = lease_wait(store, entry.connection_id, before.state == RUNNING, utc_now())
        if wait is not None:
            requeue(store, entry_id, f"waiting {wait:.1f} s for the lock: {error}")
            raise task.retry(countdown=wait, max_retries=None) from None
        done = refused(error)
    except Exception as error:  # a failed job must not take the worker down
        log.exception("queue entry %s (%s) failed", entry_id, entry.job)
        done = Done(FAILED, f"failed: {error}")
    finish(store, entry_id, done.state, utc_now(), done.message, done.run_id)
    log.info("queue entry %s (%s): %s %s", entry_id, entry.job, done.state, done.message)


def scheduled_job(store: Store, registry: Registry, name: str, connection_id: int) -> Done:
    """A schedule's slot, as the in-process scheduler runs it (skip rules read now)."""
    skipped = skip_reason(store, connection_id)
    if skipped is not None:
        return Done(SKIPPED, f"skipped: {skipped}")
    result = registry.schedules[name].job(store, connection_id)
    run_id = getattr(result, "run_id", None)
    status = getattr(result, "status", None)
    said = f"run {run_id} {getattr(status, 'value', status)}" if run_id is not None else "ran"
    return Done(DONE, said, run_id if isinstance(run_id, int) else None)


def slot_refused(error: LockHeldError) -> Done:
    return Done(SKIPPED, f"skipped: {error}; waiting for the next slot")


def register_tasks(app: Any, store: Store, registry: Registry) -> None:
    """The schedule task and the tick, on `app`, working on `store`."""

    @app.task(name=SCHEDULE_TASK, bind=True)  # type: ignore[untyped-decorator]
    def run_schedule(task: Any, entry_id: int, name: str, connection_id: int) -> None:
        def work() -> Done:
            return scheduled_job(store, registry, name, connection_id)

        serve_entry(store, task, entry_id, work, slot_refused)

    @app.task(name=TICK_TASK)  # type: ignore[untyped-decorator]
    def tick() -> None:
        enqueue_due(store, registry, app, utc_now())
