"""Every wait of a worker's task is at most half the broker's visibility timeout
(runner/tasks.py `capped`): a worker holds a retried message until its countdown ends,
and Redis hands a message held longer than the timeout to a second worker. The wait for
a silent holder's lease and a second delivery's wait for the first were not capped, as
a refused schedule's wait is: with a 6 s timeout, each waited out the lease (about 10 s
and 55 s here) and was delivered again meanwhile."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tests.runner.worker_support import ELSEWHERE, RetryAsked, Task, hold_elsewhere

from listbridge.core.errors import LockHeldError
from listbridge.runner.tasks import Done, Wait, capped, serve_entry
from listbridge.store.db import Store
from listbridge.store.job_queue import QUEUED, RUNNING, claim, enqueue, get_entry

VISIBILITY = timedelta(seconds=6)
HOUR = timedelta(hours=1)
BUSY = LockHeldError("Förderverein", ELSEWHERE, "21:59")


def _with_visibility(store: Store, visibility: timedelta) -> Store:
    """The same database, as a worker whose broker has this visibility timeout sees it."""
    return replace(store, config=replace(store.config, broker_visibility=visibility))


def _entry(store: Store, cid: int) -> int:
    entry_id = enqueue(store, cid, "push", "web:alice", datetime.now(UTC), task_id="d4" * 16)
    assert entry_id is not None
    return entry_id


def _never(error: LockHeldError) -> Done | Wait:
    raise AssertionError(f"a live holder's refusal asked for: {error}")


def _refused_work() -> Done:
    raise BUSY


def test_a_countdown_is_at_most_half_the_visibility_timeout() -> None:
    assert capped(10.2, VISIBILITY) == 3
    assert capped(2.5, VISIBILITY) == 2.5
    assert capped(55.2, HOUR) == 55.2


@pytest.mark.parametrize(("visibility", "countdown"), [(VISIBILITY, 3.0), (HOUR, 10.2)])
def test_the_wait_for_a_silent_holder_s_lease_is_capped(
    store: Store, task: Task, visibility: timedelta, countdown: float
) -> None:
    # its lease lapses in 10 s (the worker's wait is timed by the real clock)
    cid = hold_elsewhere(store, timedelta(seconds=50), at=datetime.now(UTC))
    worker = _with_visibility(store, visibility)
    entry_id = _entry(store, cid)
    with pytest.raises(RetryAsked):
        serve_entry(worker, task, entry_id, _refused_work, _never)
    [asked] = task.asked
    # uncapped: the 10 s left and the margin, less the milliseconds this test took
    assert asked["countdown"] == pytest.approx(countdown, abs=0.15)
    entry = get_entry(store, entry_id)
    assert entry is not None
    assert entry.state == QUEUED
    assert entry.message == f"waiting {asked['countdown']:.1f} s for the lock: {BUSY}"


@pytest.mark.parametrize(("visibility", "countdown"), [(VISIBILITY, 3.0), (HOUR, 55.2)])
def test_a_second_delivery_s_wait_for_the_first_is_capped(
    store: Store, task: Task, visibility: timedelta, countdown: float
) -> None:
    cid = hold_elsewhere(store, timedelta(seconds=5), at=datetime.now(UTC))  # lease: 55 s more
    entry_id = _entry(store, cid)
    assert claim(store, entry_id, "crm-02 pid 4711", datetime.now(UTC)) is not None

    def work() -> Done:
        raise AssertionError("run twice while its first worker holds the lock")

    with pytest.raises(RetryAsked):
        serve_entry(_with_visibility(store, visibility), task, entry_id, work, _never)
    [asked] = task.asked
    assert asked["countdown"] == pytest.approx(countdown, abs=0.15)
    entry = get_entry(store, entry_id)
    assert entry is not None
    assert (entry.state, entry.worker) == (RUNNING, "crm-02 pid 4711")  # not taken over
