"""`scheduler --celery`: Celery beat in this process, sending one tick every `tick` seconds
(and one at start); a worker runs each tick (tick.py). Beat keeps no state of its own:
what is due is read from the store at each tick, so its schedule is the in-memory one,
and a tick no worker took before the next is dropped (`expires`)."""

from __future__ import annotations

from typing import Any

from celery.beat import EmbeddedService

from listbridge.config import ProcessConfig
from listbridge.runner.celery_app import celery_app
from listbridge.runner.task_names import QUEUE, TICK_TASK


def start_beat(config: ProcessConfig, tick: float) -> Any:
    """Beat running on a thread; `.stop()` ends it."""
    app = celery_app(config, "scheduler --celery")
    options = {"queue": QUEUE, "expires": tick}
    app.conf.beat_schedule = {
        "listbridge-tick": {"task": TICK_TASK, "schedule": tick, "options": options}
    }
    app.send_task(TICK_TASK, queue=QUEUE, expires=tick)
    service = EmbeddedService(app, thread=True, scheduler_cls="celery.beat:Scheduler")
    service.start()
    return service
