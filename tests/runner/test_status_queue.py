"""`status` shows the connection's jobs waiting for or running on a worker (the queue of
`listbridge worker`, store/job_queue.py): what an operator looks at when a button says
"queued" and nothing seems to happen. Finished entries are not shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.sync.conftest import Scene

from listbridge.store.job_queue import DONE, claim, enqueue, finish

AT = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


def test_status_lists_queued_and_running_worker_jobs_and_not_finished_ones(scene: Scene) -> None:
    store, cid = scene.store, scene.connection_id
    running = enqueue(store, cid, "push", "web:ada operator", AT)
    queued = enqueue(store, cid, "unsubscribes", "scheduler", AT.replace(minute=5))
    finished = enqueue(store, cid, "stats", "scheduler", AT.replace(minute=1))
    assert running is not None
    assert queued is not None
    assert finished is not None
    assert claim(store, running, "worker-1 (pid 4711)", AT.replace(minute=2)) is not None
    finish(store, finished, DONE, AT.replace(minute=3))

    shown = scene.cli("status")
    assert shown.exit_code == 0, shown.output
    assert "worker jobs (listbridge worker):" in shown.stdout
    assert "  push: running on worker-1 (pid 4711) since 2026-12-06T21:02:00+00:00" in shown.stdout
    assert "  unsubscribes: queued since 2026-12-06T21:05:00+00:00 (by scheduler)" in shown.stdout
    assert "stats: queued" not in shown.stdout
    assert "stats: running" not in shown.stdout

    jobs = json.loads(scene.cli("status", "--json").stdout)["worker_jobs"]
    assert [(job["job"], job["state"], job["worker"]) for job in jobs] == [
        ("push", "running", "worker-1 (pid 4711)"),
        ("unsubscribes", "queued", None),
    ]


def test_status_says_nothing_of_workers_when_none_has_a_job(scene: Scene) -> None:
    shown = scene.cli("status")
    assert shown.exit_code == 0, shown.output
    assert "worker jobs" not in shown.stdout
    assert json.loads(scene.cli("status", "--json").stdout)["worker_jobs"] == []
