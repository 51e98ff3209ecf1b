"""A scheduled job the connection's lock refuses on a worker is not lost (issue 20): it
waits its turn as the in-process scheduler's slot does (runner/tasks.py). Its entry stays
queued, saying whom it waits for and when it tries again; the task retries itself with a
countdown (the cluster's 3 s visibility timeout keeps it to 1.5 s: a worker never holds
the message long enough for Redis to hand it to the other), as many times as it takes;
while it waits, the broker holds its message and a tick does not release it; once the
holder is done, the retry runs the slot, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.scaleout.conftest import LIST, Cluster, wait_for

from listbridge.config import ProcessConfig
from listbridge.runner.broker_look import broker_look
from listbridge.runner.celery_app import celery_app
from listbridge.runner.lost_entries import LOOK_GRACE, release_lost
from listbridge.runner.task_names import QUEUE, SCHEDULE_TASK
from listbridge.store.connections import connection_id
from listbridge.store.job_queue import DONE, QUEUED, Entry, enqueue, get_entry, latest_from
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.runs import get_run, list_runs
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES
from listbridge.web.celery_runner import runner_for
from listbridge.web.job_work import ListSyncKind

#: one cluster per test session: every scale-out test on the same xdist worker
pytestmark = pytest.mark.xdist_group("scaleout")


@pytest.fixture
def app(cluster: Cluster) -> Iterator[Any]:
    """The Celery app of the scheduler's tick, on the cluster's broker."""
    made = celery_app(ProcessConfig.from_environ(cluster.env), "a test")
    try:
        yield made
    finally:
        made.close()


def _entry(cluster: Cluster, entry_id: int) -> Entry:
    found = get_entry(cluster.store, entry_id)
    assert found is not None
    return found


def test_a_schedule_refused_by_a_manual_run_waits_for_its_retry_then_runs_once(
    cluster: Cluster, app: Any
) -> None:
    store, cid = cluster.store, connection_id(cluster.store, "default")
    look = broker_look(app)
    assert look is not None
    before = [run.run_id for run in list_runs(store, cid, limit=100) if run.kind == UNSUBSCRIBES]
    task_id = uuid.uuid4().hex
    entry_id = enqueue(store, cid, UNSUBSCRIBES, "scheduler", datetime.now(UTC), task_id=task_id)
    assert entry_id is not None
    # a push by hand holds the connection (this process's, renewing its lease)
    with connection_lock(store, cid, holder_here("push")):
        app.send_task(SCHEDULE_TASK, args=[entry_id, UNSUBSCRIBES, cid], queue=QUEUE,
                      task_id=task_id)  # fmt: skip

        def refused_five_times() -> Entry | None:
            entry = _entry(cluster, entry_id)
            return entry if "(refused 5 times in a row)" in entry.message else None

        # past Celery's default of 3 retries: the wait does not run out
        waiting = wait_for(refused_five_times, 60, cluster.worker_logs)
        assert waiting.state == QUEUED, waiting.message
        assert waiting.message.startswith(
            "waiting for the lock: connection 'default' is busy: push (pid "
        ), waiting.message
        assert "; trying again at " in waiting.message
        # a worker holds the retry's message until its countdown ends: not lost
        assert look([task_id]) == {task_id}
        assert release_lost(store, datetime.now(UTC) + LOOK_GRACE * 2, look) == []
        assert _entry(cluster, entry_id).state in {QUEUED, "running"}
    done = cluster.finished(entry_id, timeout=60)
    assert done.state == DONE, done.message
    after = [run for run in list_runs(store, cid, limit=100) if run.kind == UNSUBSCRIBES]
    new = [run for run in after if run.run_id not in before]
    assert [run.run_id for run in new] == [done.run_id], done.message
    assert new[0].started_by.startswith("scheduler")
    # the retries are over: no message of the task is left in the broker
    wait_for(lambda: look([task_id]) == set(), 10, cluster.worker_logs)


def test_a_schedule_refused_by_a_push_on_the_other_worker_runs_after_it(
    cluster: Cluster, app: Any
) -> None:
    """The browser's list sync (a push of the list's newcomers) runs on one worker; the
    scheduled reconciliation, sent just after, meets its lock on the other, waits, and
    runs once the push is done."""
    store, cid = cluster.store, connection_id(cluster.store, "default")
    rows = [f"R-{n},individual,Bérénice,Dupré {n},,berenice.dupre{n}@example.fr,false"
            for n in range(5)]  # fmt: skip
    cluster.load_members("id,type,first_name,last_name,company_name,email,email_opt_out\n"
                         + "\n".join(rows) + "\n")  # fmt: skip
    # every answer slow until the reconciliation was refused: the push holds the lock
    cluster.faults(latency_ms=1000)
    runner, _ = runner_for(store)
    runner.start(ListSyncKind((LIST,)), cid, "alice")
    push = latest_from(store, cid, "web:")
    assert push is not None
    wait_for(lambda: _entry(cluster, push.entry_id).state == "running", 60, cluster.worker_logs)
    task_id = uuid.uuid4().hex
    entry_id = enqueue(store, cid, UNSUBSCRIBES, "scheduler", datetime.now(UTC), task_id=task_id)
    assert entry_id is not None
    app.send_task(SCHEDULE_TASK, args=[entry_id, UNSUBSCRIBES, cid], queue=QUEUE,
                  task_id=task_id)  # fmt: skip

    def refused() -> Entry | None:
        entry = _entry(cluster, entry_id)
        return entry if entry.message.startswith("waiting for the lock: ") else None

    waiting = wait_for(refused, 60, cluster.worker_logs)
    assert waiting.worker != _entry(cluster, push.entry_id).worker  # the other worker
    assert "busy: lists (pid " in waiting.message, waiting.message
    cluster.faults(latency_ms=0)
    ended = [cluster.finished(push.entry_id), cluster.finished(entry_id)]
    assert [e.state for e in ended] == [DONE, DONE], [e.message for e in ended]
    pushed, reconciled = (get_run(store, cid, e.run_id) for e in ended if e.run_id)
    assert pushed.finished_at is not None
    assert pushed.finished_at <= reconciled.started_at
