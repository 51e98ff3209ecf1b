"""Fair queueing: 200 connections, each with its own schedules, served by two workers.

Every connection's unsubscribe reconciliation ran a minute ago, so what the Celery
scheduler finds due is each connection's look for a run the daily budget interrupted
(`budget_resume`, every quarter hour; it calls no API when there is none). The queue
table proves the rest: each connection enqueued once however many ticks came, served
first in first out by both workers, none left waiting; a connection with its syncing
switched off is not enqueued at all.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter

import pytest
from tests.scaleout.conftest import Cluster, wait_for

from listbridge.core.runs import RunStatus
from listbridge.store.connection_create import create_connection
from listbridge.store.connections import connection_id
from listbridge.store.job_queue import Entry, all_entries
from listbridge.store.runs import finish_run, start_run
from listbridge.store.schedule_state import connection_ids
from listbridge.sync.budget_resume import KIND as BUDGET_RESUME
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES

#: one cluster per test session: every scale-out test on the same xdist worker
pytestmark = pytest.mark.xdist_group("scaleout")

ORGANISATIONS = 200
#: how far a job may start out of its enqueue order: the two workers take the next two
OUT_OF_ORDER = 4


def _organisations(cluster: Cluster) -> tuple[list[int], int]:
    """200 connections sharing the `default` account (`connect --reuse`); one switched off."""
    made = [
        create_connection(cluster.store, f"ortsverein-{n:03}", reuse="default").connection_id
        for n in range(1, ORGANISATIONS + 1)
    ]
    off = "ortsverein-013"
    result = cluster.cli("--connection", off, "settings", "set", "sync.enabled=false")
    assert result.exit_code == 0, result.output
    for cid in connection_ids(cluster.store):
        run = start_run(cluster.store, cid, UNSUBSCRIBES, "scheduler root@vm pid 1")
        finish_run(cluster.store, run, RunStatus.SUCCEEDED, {})
    return made, connection_id(cluster.store, off)


def _checks(cluster: Cluster) -> list[Entry]:
    return [e for e in all_entries(cluster.store) if e.job == BUDGET_RESUME]


def test_two_hundred_connections_are_all_served_first_in_first_out(cluster: Cluster) -> None:
    made, off = _organisations(cluster)
    served = set(connection_ids(cluster.store)) - {off}
    command = [sys.executable, "-m", "listbridge", "scheduler", "--celery", "--tick", "2",
               "--for", "120"]  # fmt: skip
    beat = subprocess.Popen(command, env=cluster.env, stdout=subprocess.PIPE, text=True)
    try:
        wait_for(
            lambda: {e.connection_id for e in _checks(cluster) if e.state == "done"} >= served,
            60,
            cluster.worker_logs,
        )
        ticks_before_stop = 3
        wait_for(lambda: cluster.worker_logs().count("listbridge.tick[") >= ticks_before_stop,
                 30)  # fmt: skip
    finally:
        beat.send_signal(signal.SIGINT)
        said, _ = beat.communicate(timeout=30)
    assert "enqueuing the due jobs every 2 s" in said
    checks = _checks(cluster)
    # one place per connection in the queue, however many ticks looked
    per_connection = Counter(e.connection_id for e in checks)
    assert set(per_connection) == served
    assert set(per_connection.values()) == {1}
    assert off not in per_connection  # switched off
    assert len(served) == len(made)
    assert {e.state for e in checks} == {"done"}
    assert len({e.worker for e in checks}) == 2
    # first in, first out: a job starts no later than a few enqueued after it
    by_start = sorted(checks, key=lambda e: (e.started_at, e.entry_id))
    rank = {e.entry_id: n for n, e in enumerate(sorted(checks, key=lambda e: e.entry_id))}
    late = max(n - rank[e.entry_id] for n, e in enumerate(by_start))
    assert late <= OUT_OF_ORDER
