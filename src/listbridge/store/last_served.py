"""When each (connection, job) was last served, for every connection in two queries: the
newer of the job's last run and its last queue entry (a job that finds nothing to do
records no run, but its slot was served all the same). What the Celery tick plans with.
An entry released as lost (its message vanished) served nothing: it does not count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from listbridge.store.db import Store
from listbridge.store.job_queue import LOST
from listbridge.store.models import QueuedJob, Run

Served = dict[tuple[int, str], datetime]


def last_served_all(store: Store) -> Served:
    runs = select(Run.connection_id, Run.kind, func.max(Run.started_at)).group_by(
        Run.connection_id, Run.kind
    )
    queued = select(QueuedJob.connection_id, QueuedJob.job, func.max(QueuedJob.enqueued_at))
    queued = queued.where(QueuedJob.state != LOST).group_by(QueuedJob.connection_id, QueuedJob.job)
    found: Served = {}
    with store.session() as session:
        for query in (runs, queued):
            for connection_id, job, at in session.execute(query).all():
                key = (int(connection_id), str(job))
                found[key] = max(at, found.get(key, at))
    return found
