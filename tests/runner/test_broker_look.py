"""The look into a real Redis broker (runner/broker_look.py): a task id is held while its
message waits in the queue (whatever its priority), while a worker holds it unacknowledged,
and no longer once acknowledged or flushed away; and the tick, looking through it, releases
an entry whose message Redis lost and keeps one whose message waits.

Each test's keys carry a prefix of its own (Kombu's `global_keyprefix`) in a Redis
database no other suite uses, so parallel runs never meet."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from tests.sync.conftest import Scene

from listbridge.cli.schedules import default_registry
from listbridge.config import ProcessConfig
from listbridge.runner.broker_look import RedisLook, broker_look
from listbridge.runner.celery_app import celery_app
from listbridge.runner.lost_entries import LOOK_GRACE
from listbridge.runner.slots import LOCAL
from listbridge.runner.task_names import QUEUE, SCHEDULE_TASK
from listbridge.runner.tick import enqueue_due
from listbridge.store.job_queue import LOST, QUEUED, active_entries, all_entries
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def app() -> Iterator[Any]:
    """A Celery app as `listbridge worker` configures it, on keys of this test's own."""
    prefix = f"listbridge-test-{uuid.uuid4().hex}:"
    config = ProcessConfig.from_environ({"LISTBRIDGE_BROKER_URL": REDIS_URL})
    celery = celery_app(config, "a test")
    celery.conf.broker_transport_options = {
        **celery.conf.broker_transport_options, "global_keyprefix": prefix,
    }  # fmt: skip
    yield celery
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    celery.close()


def _send(app: Any, task_id: str, **options: Any) -> None:
    app.send_task(SCHEDULE_TASK, args=[1, UNSUBSCRIBES, 1], queue=QUEUE, task_id=task_id,
                  **options)  # fmt: skip


def _flush(app: Any) -> None:
    """Redis restarted without persistence: every key of the broker gone."""
    prefix = app.conf.broker_transport_options["global_keyprefix"]
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def test_a_message_is_held_while_queued_or_unacknowledged_and_not_after(app: Any) -> None:
    look = RedisLook(app, confirm_seconds=0.05)
    waiting, urgent, taken = (uuid.uuid4().hex for _ in range(3))
    never_sent = uuid.uuid4().hex
    _send(app, waiting)
    _send(app, urgent, priority=9)  # a list of its own in Kombu's Redis transport
    _send(app, taken)
    assert look.held([waiting, urgent, taken, never_sent]) == {waiting, urgent, taken}
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        message = channel.basic_get(QUEUE, no_ack=False)  # a worker reserves the oldest
        assert message is not None
        assert message.headers["id"] == waiting
        # out of the queue, in the workers' unacknowledged messages: still held
        assert look.held([waiting, urgent, taken]) == {waiting, urgent, taken}
        message.ack()
    assert look.held([waiting, urgent, taken]) == {urgent, taken}
    _flush(app)
    assert look.held([urgent, taken]) == set()


def test_the_look_is_taken_for_redis_only() -> None:
    memory = celery_app(ProcessConfig.from_environ({"LISTBRIDGE_BROKER_URL": "memory://"}))
    assert broker_look(memory) is None
    on_redis = celery_app(ProcessConfig.from_environ({"LISTBRIDGE_BROKER_URL": REDIS_URL}))
    assert broker_look(on_redis) is not None


def test_the_tick_releases_an_entry_redis_lost_and_keeps_one_it_holds(
    scene: Scene, app: Any
) -> None:
    registry, now = default_registry(), datetime.now(UTC)
    away = (now + timedelta(hours=12)).astimezone(LOCAL)  # no nightly pull in the way
    assert scene.cli("settings", "set", f"stats.pull_at={away:%H:%M}").exit_code == 0
    look = broker_look(app)
    assert look is not None
    enqueue_due(scene.store, registry, app, now, look)
    first = {e.job: e for e in active_entries(scene.store, scene.connection_id)}
    assert len(first) == 2
    # held: hours past 2 × the visibility timeout, they still wait their turn
    assert enqueue_due(scene.store, registry, app, now + timedelta(hours=5), look) == []
    _flush(app)
    later = now + timedelta(hours=5, seconds=30)
    said = enqueue_due(scene.store, registry, app, later, look)
    assert sum(" released: lost: " in line for line in said) == 2
    assert sum(line.endswith(" enqueued") for line in said) == 2
    states = {(e.job, e.task_id): e.state for e in all_entries(scene.store)}
    assert [states[(job, entry.task_id)] for job, entry in first.items()] == [LOST, LOST]
    again = active_entries(scene.store, scene.connection_id)
    assert sorted(e.job for e in again) == sorted(first)
    assert all(e.state == QUEUED for e in again)
    # the new messages are in Redis: the next tick leaves them be
    assert look([e.task_id for e in again]) == {e.task_id for e in again}
    assert enqueue_due(scene.store, registry, app, later + LOOK_GRACE * 2, look) == []
