"""Queue entries whose broker message was lost: found at each tick, released as `lost`
with the reason `status` shows, so that the same tick enqueues their slot again.

An entry holds its (connection, job) slot while queued or running (store/job_queue.py).
A message the broker lost (Redis flushed, restarted without persistence, a key evicted)
leaves nothing to run or finish its entry, and the slot would never be enqueued again.
With V = LISTBRIDGE_BROKER_VISIBILITY_SECONDS, an entry is lost when:

- queued: with a Redis broker, its task id is neither in the queue nor held by a worker
  (broker_look.py) once it has been queued for LOOK_GRACE; a message still there waits its
  turn however long the queue. With another broker (or an entry without a task id): no
  worker took it, nor any entry enqueued before it, for 2 V. A queue moving ahead of it
  is a queue it waits in; one that stood still for 2 V, with jobs shorter than V, had a
  free worker thread for it.
- queued again, waiting for its retry after the connection's lock refused it (tasks.py):
  the same rules, counted from its last delivery (`started_at`). Its retry's message,
  delayed by a countdown, is held by a worker unacknowledged until then (broker_look.py),
  so with Redis it is never lost while the retry is due; with another broker the retry
  comes within V / 2 of that delivery and claims it again, well inside 2 V.
- running: the connection's lock is not live (its worker died: the lease lapsed or its
  process is gone), and with Redis its message is gone too; with another broker, it
  started 2 V ago. A message still held is handed to another worker after V, which takes
  the job over (tasks.py). A live lock is never second-guessed.

Releasing starts nothing, so it can never put two workers on one connection: a late
delivery of a released entry's message finds it finished and does not run (`claim`),
and whatever runs instead takes the connection's lock as every job does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from listbridge.runner.broker_look import BrokerLook
from listbridge.store.connections import connection_name
from listbridge.store.db import Store
from listbridge.store.job_queue import QUEUED, Entry, newest_start_ahead, release, stale_entries
from listbridge.store.locks import read_lease
from listbridge.store.processes import holder_is_gone

log = logging.getLogger("listbridge.scheduler")
#: how long a Redis broker is given to show a new entry's message (it is sent just after
#: the entry is written) before its absence means it was lost
LOOK_GRACE = timedelta(seconds=60)
AFTER = "its slot is free and is enqueued again when due"


@dataclass(frozen=True)
class Bounds:
    """How long an entry may wait with its message looked for (`grace`) or not (`bound`)."""

    grace: timedelta
    bound: timedelta

    @classmethod
    def for_visibility(cls, visibility: timedelta) -> Bounds:
        bound = 2 * visibility
        return cls(min(LOOK_GRACE, bound), bound)


def release_lost(store: Store, now: datetime, look: BrokerLook | None) -> list[str]:
    """Release every lost entry; the run log's lines of what it did."""
    bounds = Bounds.for_visibility(store.config.broker_visibility)
    first = bounds.grace if look is not None else bounds.bound
    stale = stale_entries(store, now - first, now - first)
    if not stale:
        return []
    looked = [entry.task_id for entry in stale if entry.task_id]
    held = look(looked) if look is not None and looked else set()
    said = []
    for entry in stale:
        by_look = look is not None and bool(entry.task_id)
        reason = _lost_why(store, entry, now, bounds, entry.task_id in held if by_look else None)
        if reason is not None and release(store, entry, now, reason):
            name = connection_name(store, entry.connection_id)
            log.warning("queue entry %s (%s, connection %r, id %s) released: %s",
                        entry.entry_id, entry.job, name, entry.connection_id, reason)  # fmt: skip
            said.append(f"{entry.job} (connection {entry.connection_id}) released: {reason}")
    return said


def _lost_why(
    store: Store, entry: Entry, now: datetime, bounds: Bounds, held: bool | None
) -> str | None:
    """Why the entry is lost; None while it may still be served (`held`: whether the
    broker holds its message, None when that cannot be looked at)."""
    if held:
        return None
    if entry.state == QUEUED:
        return _queued_why(store, entry, now, bounds, held)
    if lock_is_live(store, entry.connection_id, now):
        return None
    worker = f"its worker ({entry.worker}) stopped and its lock lapsed"
    if held is False:
        return f"lost: {worker}, and the broker no longer holds its message; {AFTER}"
    assert entry.started_at is not None
    if now - entry.started_at <= bounds.bound:
        return None
    return f"lost: {worker}, and no worker took it over in {_span(bounds.bound)}; {AFTER}"


def _queued_why(
    store: Store, entry: Entry, now: datetime, bounds: Bounds, held: bool | None
) -> str | None:
    since = max(entry.enqueued_at, entry.started_at or entry.enqueued_at)
    if held is False:
        waited = _span(now - since)
        return f"lost: queued {waited} ago and its message is gone from the broker; {AFTER}"
    ahead = newest_start_ahead(store, entry.entry_id, since)
    if now - max(since, ahead or since) <= bounds.bound:
        return None
    return (
        f"lost: queued since {since:%Y-%m-%d %H:%M:%S} UTC and no worker took it, nor a job"
        f" queued before it, in {_span(bounds.bound)} (2 × the broker's visibility timeout);"
        f" {AFTER}"
    )


def lock_is_live(store: Store, connection_id: int, now: datetime) -> bool:
    """Some job holds the connection's lock and renews it (its process is not seen gone)."""
    lease = read_lease(store, connection_id)
    return lease is not None and not lease.is_stale(now) and not holder_is_gone(lease.process)


def _span(span: timedelta) -> str:
    return str(timedelta(seconds=round(span.total_seconds())))
