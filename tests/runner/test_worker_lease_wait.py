"""When a worker's job meets the connection's lock: wait for a silent holder's lease to
lapse (a worker killed on another machine), never for a live one; a scheduled job a live
holder refuses waits its turn, while its slot is current (runner/tasks.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import Celery
from tests.runner.worker_support import BUSY, NOW, RetryAsked, Task, hold_elsewhere, queue_slot

from listbridge.cli.schedules import default_registry
from listbridge.core.errors import LockHeldError
from listbridge.runner.slots import LOCAL
from listbridge.runner.task_names import SCHEDULE_TASK, WEB_TASK
from listbridge.runner.tasks import (
    MARGIN,
    Done,
    Wait,
    first_delivery_alive,
    lease_wait,
    refusal_wait,
    register_tasks,
    serve_entry,
    slot_refused,
)
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.job_queue import QUEUED, SKIPPED, get_entry
from listbridge.store.locks import connection_lock
from listbridge.sync.full import KIND as FULL
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES
from listbridge.web.worker_jobs import register_web_task


def test_a_live_holder_is_not_waited_for(store: Store) -> None:
    cid = hold_elsewhere(store, timedelta(seconds=5))
    assert lease_wait(store, cid, NOW) is None


def test_a_silent_holder_is_waited_for_until_its_lease_lapses(store: Store) -> None:
    cid = hold_elsewhere(store, timedelta(seconds=50))
    assert lease_wait(store, cid, NOW) == pytest.approx(10 + MARGIN.total_seconds())


def test_a_released_lock_is_tried_again_at_once(store: Store) -> None:
    assert lease_wait(store, connection_id(store, "Förderverein"), NOW) == MARGIN.total_seconds()


def test_a_job_delivered_again_waits_while_the_lock_is_live_elsewhere(store: Store) -> None:
    cid = hold_elsewhere(store, timedelta(seconds=5))
    assert first_delivery_alive(store, cid, NOW) == pytest.approx(55 + MARGIN.total_seconds())
    assert first_delivery_alive(store, cid, NOW + timedelta(seconds=56)) is None  # lapsed


# A scheduled job a live holder refuses waits its turn (issue 20), as the in-process
# scheduler's slot does: retried after 1 minute, doubling to 15, while its slot is current.

REGISTRY = default_registry()


def test_a_refused_slot_waits_one_minute_doubling_to_fifteen() -> None:
    hour = timedelta(hours=1)
    assert [refusal_wait(n, hour) / timedelta(minutes=1) for n in range(1, 8)] == [
        1, 2, 4, 8, 15, 15, 15
    ]  # fmt: skip
    assert refusal_wait(10_000, hour) == timedelta(minutes=15)
    # never held by a worker past the broker's visibility timeout (Redis would deliver it
    # to a second worker): at most half of it
    assert refusal_wait(1, timedelta(seconds=3)) == timedelta(seconds=1.5)
    assert refusal_wait(4, timedelta(minutes=10)) == timedelta(minutes=5)


def test_a_refused_slot_is_retried_while_it_is_current_then_skipped_to_the_next(
    store: Store,
) -> None:
    _cid, entry_id = queue_slot(store, UNSUBSCRIBES)  # its schedule: every 30 min
    waits = slot_refused(store, REGISTRY, entry_id, 1, BUSY, NOW + timedelta(seconds=5))
    assert isinstance(waits, Wait)
    assert (waits.seconds, waits.kwargs) == (60, {"refusals": 1})
    assert waits.message.startswith(f"waiting for the lock: {BUSY}; trying again at ")
    assert waits.message.endswith(" (local time) (refused once)")
    fourth = slot_refused(store, REGISTRY, entry_id, 4, BUSY, NOW + timedelta(minutes=8))
    assert isinstance(fourth, Wait)
    assert (fourth.seconds, fourth.kwargs) == (480, {"refusals": 4})
    assert fourth.message.endswith("(refused 4 times in a row)")
    # the fifth would wait 15 minutes, past the next slot at NOW + 30 min: that one runs
    next_slot = (NOW + timedelta(minutes=30)).astimezone(LOCAL)
    fifth = slot_refused(store, REGISTRY, entry_id, 5, BUSY, NOW + timedelta(minutes=16))
    assert fifth == Done(
        SKIPPED, f"skipped: {BUSY}; waiting for the next slot at {next_slot:%H:%M:%S} (local time)"
    )


def test_a_refused_slot_whose_schedule_was_switched_off_is_skipped(store: Store) -> None:
    _cid, entry_id = queue_slot(store, FULL)  # sync.full_schedule is off by default
    assert slot_refused(store, REGISTRY, entry_id, 1, BUSY, NOW) == Done(
        SKIPPED, f"skipped: {BUSY}; {FULL} is no longer scheduled here"
    )


def test_a_refused_slot_s_entry_is_queued_with_its_wait_and_the_task_retried(
    store: Store, task: Task
) -> None:
    cid, entry_id = queue_slot(store, UNSUBSCRIBES)

    def work() -> Done:
        raise BUSY

    def refused(error: LockHeldError) -> Done | Wait:
        return slot_refused(store, REGISTRY, entry_id, 3, error, NOW)

    # a live holder (this process's): not waited for as a dead one's lease
    with connection_lock(store, cid, "push (alice)"), pytest.raises(RetryAsked):
        serve_entry(store, task, entry_id, work, refused)
    assert task.asked == [{"countdown": 240, "kwargs": {"refusals": 3}}]
    entry = get_entry(store, entry_id)
    assert entry is not None
    assert (entry.state, entry.connection_id) == (QUEUED, cid)  # holds its slot: one place
    assert entry.message.startswith(f"waiting for the lock: {BUSY}; trying again at ")


def test_a_worker_s_tasks_wait_however_many_times_they_are_retried(store: Store) -> None:
    """Celery ends a task's retries at the 4th by default (and `retry(max_retries=None)`
    keeps that default): a slot refused a 4th time in a row failed, its entry left queued."""
    app = Celery("listbridge-test", broker="memory://", set_as_current=False)
    register_tasks(app, store, REGISTRY)
    register_web_task(app, store)
    assert app.tasks[SCHEDULE_TASK].max_retries is None
    assert app.tasks[WEB_TASK].max_retries is None
