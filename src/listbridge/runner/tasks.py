"""What a worker does with a queued job: claim its entry, run the job, record the end.

The jobs are the CLI's and the in-process scheduler's own (the registry's `job`, the web
admin's `perform`), started through the same `JobStart`; only the runner differs.

A job that meets the connection's lock held:
- by a holder that looks dead (it stopped renewing) whose lease has not lapsed yet (a
  worker killed on another machine): the task is retried once the lease lapses, and the
  job then takes the lock over and resumes from its checkpoints;
- else, for a schedule, it waits its turn as the in-process scheduler's slot does
  (scheduler.py): the task retries itself after 1 minute, doubling at each refusal in a
  row up to 15 (and never past half the broker's visibility timeout, or Redis would hand
  the waiting message to a second worker), its entry queued meanwhile with the holder's
  words and when it tries again (`status` shows it). Once the schedule's next slot would
  come first, that slot supersedes it: the entry ends `skipped`, and the tick enqueues
  the next one. For a button: refused with the holder's words (`refused`).
A holder killed on the worker's own machine needs no wait: the lock sees it is gone.

An entry delivered again while it is marked running (its worker died, or still works
past the visibility timeout) waits while the connection's lock is live, looking again
as the lease would lapse: once that worker finished the entry, the delivery ends; if the
worker died, its lock lapses (or is seen gone at once) and the delivery takes the job over.

Every retry's countdown is at most half the broker's visibility timeout (`capped`): a
worker holds a retried message until its countdown ends, and Redis hands a message held
longer than the timeout to a second worker. A wait cut short looks again, and waits again.
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
from listbridge.runner.broker_look import broker_look
from listbridge.runner.registry import Registry
from listbridge.runner.scheduler import RETRY_FIRST, RETRY_MAX
from listbridge.runner.slots import LOCAL, next_slot, skip_reason
from listbridge.runner.task_names import SCHEDULE_TASK, TICK_TASK
from listbridge.runner.tick import enqueue_due
from listbridge.store.db import Store
from listbridge.store.job_queue import (
    DONE,
    FAILED,
    RUNNING,
    SKIPPED,
    Entry,
    claim,
    finish,
    get_entry,
    requeue,
)
from listbridge.store.locks import read_lease
from listbridge.store.processes import holder_is_gone

log = logging.getLogger("listbridge.worker")
#: a retry waits this much past the lease's end, so that it finds the lease lapsed
MARGIN = timedelta(milliseconds=200)
#: a task's retries (waits for the lock) never run out: Celery's default ends them at the
#: 4th, and `task.retry(max_retries=None)` keeps that default
UNLIMITED = None
#: doubling RETRY_FIRST this often is past RETRY_MAX already
DOUBLINGS = 5
#: how a schedule's entry waiting for its lock retry begins (`slot_refused`); the web
#: admin's buttons do not wait behind it (web/celery_runner.py)
WAITING_FOR_LOCK = "waiting for the lock: "
#: then, in that entry's words: `trying again at HH:MM:SS (local time)`
TRYING_AGAIN = "trying again at "


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


@dataclass(frozen=True)
class Wait:
    """A refused job waits its turn: its entry queued with `message`, the task retried in
    `seconds` with the keyword arguments `kwargs`."""

    seconds: float
    message: str
    kwargs: dict[str, Any]


def lease_wait(store: Store, connection_id: int, now: datetime) -> float | None:
    """Seconds until the lock of a holder that stopped renewing it lapses (a worker killed
    on another machine); None: the lock's holder is alive, the job is refused or skipped."""
    lease = read_lease(store, connection_id)
    if lease is None:
        return MARGIN.total_seconds()  # released since: try again at once
    ttl = lease.expires_at - lease.heartbeat_at
    if now - lease.heartbeat_at <= ttl * (BEATS_PER_TTL - 1) / BEATS_PER_TTL:
        return None
    return max(lease.expires_at - now + MARGIN, MARGIN).total_seconds()


def first_delivery_alive(store: Store, connection_id: int, now: datetime) -> float | None:
    """For an entry delivered again while marked running: seconds to wait while the
    connection's lock is live (its first worker may still be at work, past the visibility
    timeout); None when nothing live holds it (that worker died: take the job over)."""
    lease = read_lease(store, connection_id)
    if lease is None or lease.is_stale(now) or holder_is_gone(lease.process):
        return None
    return max(lease.expires_at - now + MARGIN, MARGIN).total_seconds()


def capped(seconds: float, visibility: timedelta) -> float:
    """A retry's countdown, at most half the broker's visibility timeout: a worker holds a
    retried message until its countdown ends, and Redis hands a message held longer than
    the timeout to a second worker (a second delivery of the same retry)."""
    return min(seconds, (visibility / 2).total_seconds())


def serve_entry(
    store: Store,
    task: Any,
    entry_id: int,
    work: Callable[[], Done],
    refused: Callable[[LockHeldError], Done | Wait],
) -> None:
    """Run a queued entry's job on this worker and record how it ended."""
    before = get_entry(store, entry_id)
    if before is not None and before.state == RUNNING:
        alive = first_delivery_alive(store, before.connection_id, utc_now())
        if alive is not None:
            wait = capped(alive, store.config.broker_visibility)
            # Not taken over, not dropped: if that worker dies, this delivery resumes it.
            log.info("queue entry %s runs on %s: looking again in %.1f s",
                     entry_id, before.worker, wait)  # fmt: skip
            raise task.retry(countdown=wait)
    entry = claim(store, entry_id, worker_name(), utc_now())
    if entry is None:
        log.info("queue entry %s finished already: not run again", entry_id)
        return
    try:
        done = work()
    except LockHeldError as error:
        done = _lock_held(store, task, entry, error, refused)
    except Exception as error:  # a failed job must not take the worker down
        log.exception("queue entry %s (%s) failed", entry_id, entry.job)
        done = Done(FAILED, f"failed: {error}")
    finish(store, entry_id, done.state, utc_now(), done.message, done.run_id)
    log.info("queue entry %s (%s): %s %s", entry_id, entry.job, done.state, done.message)


def _lock_held(
    store: Store,
    task: Any,
    entry: Entry,
    error: LockHeldError,
    refused: Callable[[LockHeldError], Done | Wait],
) -> Done:
    """How a job the connection's lock turned away ends; retries the task (raises) when
    it waits for a dead holder's lease or, refused, waits its turn."""
    entry_id = entry.entry_id
    silent = lease_wait(store, entry.connection_id, utc_now())
    if silent is not None:
        lapse = capped(silent, store.config.broker_visibility)
        requeue(store, entry_id, f"waiting {lapse:.1f} s for the lock: {error}")
        raise task.retry(countdown=lapse) from None
    said = refused(error)
    if isinstance(said, Done):
        return said
    requeue(store, entry_id, said.message)
    log.info("queue entry %s (%s): %s", entry_id, entry.job, said.message)
    raise task.retry(countdown=said.seconds, kwargs=said.kwargs) from None


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


def refusal_wait(refusals: int, visibility: timedelta) -> timedelta:
    """How long a slot refused `refusals` times in a row waits: the in-process scheduler's
    1 minute doubling to 15, but at most half the broker's visibility timeout, since Redis
    hands a message a worker held longer than that to another worker (a second retry)."""
    doubled = RETRY_FIRST * (1 << min(refusals - 1, DOUBLINGS))
    return min(doubled, RETRY_MAX, visibility / 2)


def slot_refused(
    store: Store,
    registry: Registry,
    entry_id: int,
    refusals: int,
    error: LockHeldError,
    now: datetime,
) -> Done | Wait:
    """A slot refused a `refusals`-th time in a row by a live holder: it tries again while
    it is its schedule's current slot; once the next slot would come first, it is skipped
    to that one."""
    entry = get_entry(store, entry_id)
    assert entry is not None
    following = next_slot(store, registry, entry.job, entry.connection_id, entry.enqueued_at)
    if following is None:
        return Done(SKIPPED, f"skipped: {error}; {entry.job} is no longer scheduled here")
    wait = refusal_wait(refusals, store.config.broker_visibility)
    if following <= now + wait:
        return Done(SKIPPED, f"skipped: {error}; waiting for the next slot at {_at(following)}")
    times = "once" if refusals == 1 else f"{refusals} times in a row"
    tries = f"{TRYING_AGAIN}{_at(now + wait)} (refused {times})"
    return Wait(wait.total_seconds(), f"{WAITING_FOR_LOCK}{error}; {tries}",
                {"refusals": refusals})  # fmt: skip


def _at(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL):%H:%M:%S} (local time)"


def register_tasks(app: Any, store: Store, registry: Registry) -> None:
    """The schedule task and the tick, on `app`, working on `store`.

    Not shared: Celery would register a shared task on every app the process makes
    later too, so a second app (another store) would keep the first one's tasks."""

    @app.task(name=SCHEDULE_TASK, bind=True, shared=False, max_retries=UNLIMITED)  # type: ignore[untyped-decorator]
    def run_schedule(
        task: Any, entry_id: int, name: str, connection_id: int, refusals: int = 0
    ) -> None:
        """`refusals`: how many times in a row the lock refused this slot so far."""

        def work() -> Done:
            return scheduled_job(store, registry, name, connection_id)

        def refused(error: LockHeldError) -> Done | Wait:
            return slot_refused(store, registry, entry_id, refusals + 1, error, utc_now())

        serve_entry(store, task, entry_id, work, refused)

    look = broker_look(app)

    @app.task(name=TICK_TASK, shared=False)  # type: ignore[untyped-decorator]
    def tick() -> None:
        enqueue_due(store, registry, app, utc_now(), look)
