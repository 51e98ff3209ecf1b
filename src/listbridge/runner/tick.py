"""The Celery scheduler's tick: every due (schedule, connection) slot, enqueued once.

Celery beat sends one tick every `--tick` seconds; a worker runs it. A slot is due by
the in-process scheduler's own rules (slots.py), its last run being the newer of the
job's newest run and the slot's newest queue entry: a slot served a minute ago is not
due again, though its job recorded no run. A connection whose syncing is off or paused
is not enqueued. A slot whose job is still queued or running is not enqueued again
(store/job_queue.py), so however long the queue grows, each connection holds at most one
place per schedule in it, and the FIFO queue serves every connection in turn.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from listbridge.runner.registry import Registry
from listbridge.runner.slots import plan_slots, skip_reason
from listbridge.runner.task_names import QUEUE, SCHEDULE_TASK
from listbridge.store.db import Store
from listbridge.store.job_queue import FAILED, enqueue, finish, last_enqueued, set_task
from listbridge.store.schedule_state import last_started

log = logging.getLogger("listbridge.scheduler")
ORIGIN = "scheduler"


def last_served(store: Store, connection_id: int, job: str) -> datetime | None:
    """The newer of the job's last run and its slot's last queue entry there."""
    found = [
        moment
        for moment in (
            last_started(store, connection_id, job),
            last_enqueued(store, connection_id, job),
        )
        if moment is not None
    ]
    return max(found, default=None)


def enqueue_due(store: Store, registry: Registry, app: Any, now: datetime) -> list[str]:
    """Enqueue every due slot not queued already; the run log's lines of what it did."""
    said = []
    for slot in plan_slots(store, registry, now, last_served):
        if slot.first > now:
            continue
        skipped = skip_reason(store, slot.connection_id)
        if skipped is not None:
            log.debug("%s skipped: %s", slot.label, skipped)
            continue
        entry_id = enqueue(store, slot.connection_id, slot.schedule.name, ORIGIN, now)
        if entry_id is None:
            continue  # queued or running already: one place per slot
        try:
            sent = app.send_task(
                SCHEDULE_TASK, args=[entry_id, slot.schedule.name, slot.connection_id],
                queue=QUEUE,
            )  # fmt: skip
        except Exception as error:
            # An entry without its message would hold the slot for ever.
            finish(store, entry_id, FAILED, now, f"could not enqueue: {error}")
            raise
        set_task(store, entry_id, str(sent.id))
        said.append(f"{slot.label} enqueued")
        log.info("%s enqueued (entry %s)", slot.label, entry_id)
    return said
