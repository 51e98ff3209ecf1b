"""A button's job whose message Redis lost (flushed, restarted without persistence): its
entry keeps the connection busy only until a tick on a worker looks into Redis, finds the
message gone and releases the entry as lost; the button then works again, once."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from tests.scaleout.conftest import Cluster, wait_for

from listbridge.config import ProcessConfig
from listbridge.core.errors import LockHeldError
from listbridge.runner.celery_app import celery_app
from listbridge.runner.task_names import QUEUE, TICK_TASK
from listbridge.store.connections import connection_id
from listbridge.store.job_queue import LOST, active_entries, enqueue, get_entry
from listbridge.web.celery_runner import runner_for
from listbridge.web.job_kinds import kind_to_json
from listbridge.web.job_work import Action, JobKind

#: one cluster per test session: every scale-out test on the same xdist worker
pytestmark = pytest.mark.xdist_group("scaleout")

PREVIEW = JobKind(Action.PUSH, dry_run=True)


def test_a_button_whose_message_redis_lost_is_released_by_a_tick_and_runs_again(
    cluster: Cluster,
) -> None:
    store, cid = cluster.store, connection_id(cluster.store, "default")
    # only the release in the ticks below: no schedule of this connection enqueued
    assert cluster.cli("settings", "set", "sync.enabled=false").exit_code == 0
    app = celery_app(ProcessConfig.from_environ(cluster.env), "a test")
    try:
        # what a flush leaves: the entry, and no message anywhere in Redis
        lost_id = enqueue(store, cid, "push", "web:Zoë Admin", datetime.now(UTC),
                          kind_to_json(PREVIEW), uuid.uuid4().hex)  # fmt: skip
        assert lost_id is not None
        runner, _ = runner_for(store)
        with pytest.raises(LockHeldError, match="Zoë Admin"):  # busy, as the live view says
            runner.start(PREVIEW, cid, "bob")

        ticks: list[float] = []

        def released() -> bool:
            if not ticks or time.monotonic() - ticks[-1] >= 1:  # beat's every second
                ticks.append(time.monotonic())
                app.send_task(TICK_TASK, queue=QUEUE, expires=5)
            entry = get_entry(store, lost_id)
            return entry is not None and entry.state == LOST

        # 2 × the cluster's 3 s visibility timeout, then a tick on a worker
        wait_for(released, 60, cluster.worker_logs)
        entry = get_entry(store, lost_id)
        assert entry is not None
        assert "its message is gone from the broker" in entry.message
        warned = f"queue entry {lost_id} (push, connection 'default', id {cid}) released: lost"

        def logs() -> str:
            return "\n".join(p.read_text(errors="replace") for p in cluster.logs.glob("*.log"))

        # written just after the entry's release is committed
        wait_for(lambda: warned in logs(), 10, logs)

        runner.start(PREVIEW, cid, "bob")
        (again,) = active_entries(store, cid)
        assert again.origin == "web:bob"
        done = cluster.finished(again.entry_id)
        assert done.state == "done", done.message
        assert active_entries(store, cid) == []
    finally:
        app.close()
        assert cluster.cli("settings", "set", "sync.enabled=true").exit_code == 0
