"""The Celery scheduler's tick: every due (schedule, connection) slot, enqueued once.

Celery beat sends one tick every `--tick` seconds; a worker runs it. A slot is due by
the in-process scheduler's own rules (slots.py), its last run being the newer of the
job's newest run and the slot's newest queue entry: a slot served a minute ago is not
due again, though its job recorded no run. A connection whose syncing is off or paused
is not enqueued. A slot whose job is still queued or running is not enqueued again
(store/job_queue.py), so however long the queue grows, each connection holds at most one
place per schedule in it, and the FIFO queue serves every connection in turn. An entry
whose message the broker lost would hold its slot for ever: each tick first releases such
entries (lost_entries.py), and then enqueues their slots when due.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from listbridge.runner.broker_look import BrokerLook
from listbridge.runner.lost_entries import release_lost
from listbridge.runner.registry import Registry
from listbridge.runner.slots import plan_slots, skip_reason
from listbridge.runner.task_names import QUEUE, SCHEDULE_TASK
from listbridge.store.db import Store
from listbridge.store.job_queue import FAILED, enqueue, finish
from listbridge.store.last_served import last_served_all

log = logging.getLogger("listbridge.scheduler")
ORIGIN = "scheduler"


def enqueue_due(
    store: Store, registry: Registry, app: Any, now: datetime, look: BrokerLook | None = None
) -> list[str]:
    """Release the lost entries, then enqueue every due slot not queued already; the run
    log's lines of what it did. `look`: which task ids the broker holds (None: unknown)."""
    said = release_lost(store, now, look)
    served = last_served_all(store)
    skipped: dict[int, str | None] = {}
    slots = plan_slots(store, registry, now, lambda _s, c, job: served.get((c, job)))
    for slot in slots:
        if slot.first > now:
            continue
        cid = slot.connection_id
        if cid not in skipped:
            skipped[cid] = skip_reason(store, cid)
        if skipped[cid] is not None:
            log.debug("%s skipped: %s", slot.label, skipped[cid])
            continue
        task_id = uuid.uuid4().hex
        entry_id = enqueue(store, cid, slot.schedule.name, ORIGIN, now, task_id=task_id)
        if entry_id is None:
            continue  # queued or running already: one place per slot
        try:
            app.send_task(SCHEDULE_TASK, args=[entry_id, slot.schedule.name, cid],
                          queue=QUEUE, task_id=task_id)  # fmt: skip
        except Exception as error:
            # An entry without its message would hold the slot for ever.
            finish(store, entry_id, FAILED, now, f"could not enqueue: {error}")
            raise
        said.append(f"{slot.label} enqueued")
        log.info("%s enqueued (entry %s)", slot.label, entry_id)
    return said
