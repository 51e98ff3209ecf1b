"""The Celery app of `listbridge worker`, `scheduler --celery` and the web admin's queue.

Configured from the process configuration alone: the broker is LISTBRIDGE_BROKER_URL,
and there is no result backend, because every job's outcome lives in the store (its
run, its queue entry). A job is acknowledged only once it finished (`acks_late`), and a
worker takes one job at a time per thread (`prefetch_multiplier` 1), so a worker killed
mid-job leaves its message unacknowledged: Redis hands it to another worker once the
visibility timeout (LISTBRIDGE_BROKER_VISIBILITY_SECONDS) has passed, and the job
resumes there from its checkpoints. Messages are JSON, never pickle.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from listbridge.config import BROKER_URL_ENV, ProcessConfig
from listbridge.core.errors import UserError
from listbridge.runner.task_names import QUEUE


def require_broker(config: ProcessConfig, command: str) -> str:
    """The broker's URL; UserError (exit 2) naming the variable when it is unset."""
    if not config.broker_url:
        raise UserError(
            f"{command} needs a Celery broker: set {BROKER_URL_ENV} "
            "(for example redis://127.0.0.1:6379/0)"
        )
    return config.broker_url


def celery_app(config: ProcessConfig, command: str = "the Celery runner") -> Any:
    """A Celery app on the configured broker (UserError when there is none)."""
    broker = require_broker(config, command)
    app = Celery("listbridge", broker=broker, set_as_current=False)
    visibility = config.broker_visibility.total_seconds()
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": visibility,
            # How often a worker looks for messages whose worker died: Kombu's default
            # (every 10 s, scanning one look in 10) would add 100 s to the visibility.
            "unacked_restore_interval": min(10.0, max(1.0, visibility / 3)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=QUEUE,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # the store is the job's memory: a worker's own state is not worth a restart
        worker_send_task_events=False,
        enable_utc=True,
    )
    return app
