"""What the tests of a worker's task meeting the connection's lock share: Celery's
`task.retry` recorded, the lock of a push on another machine, a schedule's queued slot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from listbridge.core.errors import LockHeldError
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.job_queue import enqueue
from listbridge.store.models import Lock

NOW = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
#: the lease of the lock held elsewhere: it lapses this long after its last heartbeat
TTL = timedelta(seconds=60)
CONNECTION = "Förderverein"
#: a live holder's refusal, as this process's push holding the lock gives it
BUSY = LockHeldError(CONNECTION, "the push alice started (run 7)", "21:59")
ELSEWHERE = "push (pid 4711 on crm-02)"


class RetryAsked(Exception):
    """What Celery's `task.retry` raises; the recorder keeps what it was asked."""


@dataclass
class Task:
    """The Celery task's `retry`, recorded."""

    asked: list[dict[str, Any]] = field(default_factory=list)

    def retry(self, **options: Any) -> RetryAsked:
        self.asked.append(options)
        return RetryAsked()


def hold_elsewhere(store: Store, beat_ago: timedelta, at: datetime = NOW) -> int:
    """The lock of a push on another machine, whose last heartbeat was `beat_ago` before
    `at`; the connection's id."""
    cid = connection_id(store, CONNECTION)
    beat = at - beat_ago
    with store.session() as session:
        session.add(Lock(
            connection_id=cid, owner="o1", holder=ELSEWHERE, run_id=None,
            acquired_at=beat - timedelta(minutes=5), heartbeat_at=beat, expires_at=beat + TTL,
            process_machine="crm-02|boot-7", process_pid=4711, process_started="1",
        ))  # fmt: skip
    return cid


def queue_slot(store: Store, job: str) -> tuple[int, int]:
    """A schedule's slot of `job`, queued at NOW on a worker: (connection, entry)."""
    cid = connection_id(store, CONNECTION)
    entry_id = enqueue(store, cid, job, "scheduler", NOW, task_id="c3" * 16)
    assert entry_id is not None
    return cid, entry_id
