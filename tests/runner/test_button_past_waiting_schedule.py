"""A button of the web admin, with a broker, while a schedule's entry waits for its lock
retry (web/celery_runner.py `CeleryRunner._way_clear`): the lock is free, so the button's
job is enqueued, not refused as "waiting for a worker" for up to 15 minutes. A real full
sync supersedes the waiting full-sync slot (the one place of (connection, full) in the
queue); a dry run is refused, saying when the schedule tries the lock again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.runner.worker_support import BUSY, NOW, RetryAsked, Task, queue_slot

from listbridge.cli.schedules import default_registry
from listbridge.core.errors import LockHeldError
from listbridge.runner.task_names import WEB_TASK
from listbridge.runner.tasks import Done, Wait, serve_entry, slot_refused
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.job_queue import (
    QUEUED,
    RUNNING,
    SKIPPED,
    Entry,
    active_entries,
    claim,
    get_entry,
    supersede,
)
from listbridge.store.locks import connection_lock, format_moment
from listbridge.store.settings import set_settings
from listbridge.sync.full import KIND as FULL
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES
from listbridge.web.celery_runner import CeleryRunner, JobQueuedError, QueueBoard
from listbridge.web.job_work import Action, JobKind

REGISTRY = default_registry()


@dataclass
class App:
    """The Celery app's `send_task`, recorded."""

    sent: list[tuple[str, list[Any]]] = field(default_factory=list)

    def send_task(self, name: str, *, args: list[Any], **_options: Any) -> None:
        self.sent.append((name, args))


def _runner(store: Store) -> tuple[CeleryRunner, App]:
    app = App()
    return CeleryRunner(store, app, QueueBoard(store), clock=lambda: NOW), app


def _waiting_slot(store: Store, job: str) -> tuple[int, Entry]:
    """A schedule's slot a push refused on a worker (its entry queued until its retry);
    the push has finished since: the lock is free."""
    cid, entry_id = queue_slot(store, job)

    def work() -> Done:
        raise BUSY

    def refused(error: LockHeldError) -> Done | Wait:
        return slot_refused(store, REGISTRY, entry_id, 2, error, NOW)

    with connection_lock(store, cid, "push (alice)"), pytest.raises(RetryAsked):
        serve_entry(store, Task(), entry_id, work, refused)
    entry = get_entry(store, entry_id)
    assert entry is not None
    assert entry.state == QUEUED
    assert entry.message.startswith("waiting for the lock: ")
    return cid, entry


def test_a_button_s_job_is_enqueued_past_a_schedule_waiting_for_its_retry(store: Store) -> None:
    cid, waiting = _waiting_slot(store, UNSUBSCRIBES)
    runner, app = _runner(store)
    runner.start(JobKind(Action.PUSH), cid, "alice")
    [(task, args)] = app.sent
    assert task == WEB_TASK
    entries = active_entries(store, cid)
    assert [(e.job, e.origin, e.state) for e in entries] == [
        (UNSUBSCRIBES, "scheduler", QUEUED),  # untouched: its retry meets the push's lock
        ("push", "web:alice", QUEUED),
    ]
    assert entries[0] == waiting
    assert args[0] == entries[1].entry_id


def test_a_full_sync_from_a_button_supersedes_the_waiting_full_sync_slot(
    store: Store, task: Task
) -> None:
    set_settings(store, connection_id(store, "Förderverein"), ["sync.full_schedule=daily 03:00"])
    cid, waiting = _waiting_slot(store, FULL)
    runner, app = _runner(store)
    runner.start(JobKind(Action.FULL), cid, "alice")
    assert len(app.sent) == 1
    slot = get_entry(store, waiting.entry_id)
    assert slot is not None
    assert (slot.state, slot.finished_at) == (SKIPPED, NOW)
    assert (
        slot.message
        == f"skipped: superseded by the full sync alice started at {format_moment(NOW)}"
    )
    [button] = active_entries(store, cid)
    assert (button.job, button.origin) == (FULL, "web:alice")

    # the slot's retry comes: its entry finished, it runs nothing
    def work() -> Done:
        raise AssertionError("the superseded slot ran")

    serve_entry(store, task, waiting.entry_id, work, lambda error: Done(SKIPPED, str(error)))
    assert task.asked == []
    assert get_entry(store, waiting.entry_id) == slot


def test_a_dry_run_is_refused_saying_when_the_waiting_slot_tries_again(store: Store) -> None:
    set_settings(store, connection_id(store, "Förderverein"), ["sync.full_schedule=daily 03:00"])
    cid, waiting = _waiting_slot(store, FULL)
    runner, app = _runner(store)
    with pytest.raises(JobQueuedError) as refused:
        runner.start(JobKind(Action.FULL, dry_run=True), cid, "alice")
    at = waiting.message.split("; trying again at ")[1].split(" (refused")[0]
    assert at.endswith(" (local time)")
    assert str(refused.value) == (
        f"connection 'Förderverein' is busy: the full sync the scheduler queued at "
        f"{format_moment(NOW)} is waiting to try the connection's lock again at {at}; "
        "try again when it finishes"
    )
    assert "waiting for a worker" not in str(refused.value)
    assert app.sent == []
    assert active_entries(store, cid) == [waiting]


def test_a_schedule_queued_or_running_on_a_worker_still_refuses_a_button(store: Store) -> None:
    cid, entry_id = queue_slot(store, UNSUBSCRIBES)
    runner, app = _runner(store)
    with pytest.raises(JobQueuedError, match=r"scheduler queued at .* is waiting for a worker"):
        runner.start(JobKind(Action.PUSH), cid, "alice")
    assert claim(store, entry_id, "crm-02 pid 4711", NOW) is not None
    with pytest.raises(JobQueuedError, match="is running on crm-02 pid 4711; try again"):
        runner.start(JobKind(Action.PUSH), cid, "alice")
    assert app.sent == []


def test_a_button_is_refused_while_the_lock_is_held_though_a_schedule_waits(
    store: Store,
) -> None:
    cid, waiting = _waiting_slot(store, UNSUBSCRIBES)
    runner, app = _runner(store)
    with connection_lock(store, cid, "push (bob)"), pytest.raises(LockHeldError) as refused:
        runner.start(JobKind(Action.PUSH), cid, "alice")
    assert not isinstance(refused.value, JobQueuedError)
    assert "push (bob)" in str(refused.value)
    assert app.sent == []
    assert active_entries(store, cid) == [waiting]


def test_a_slot_its_retry_claimed_meanwhile_is_not_superseded(store: Store) -> None:
    set_settings(store, connection_id(store, "Förderverein"), ["sync.full_schedule=daily 03:00"])
    _cid, waiting = _waiting_slot(store, FULL)
    assert claim(store, waiting.entry_id, "crm-02 pid 4711", NOW) is not None
    assert not supersede(store, waiting, NOW, "skipped: superseded")
    slot = get_entry(store, waiting.entry_id)
    assert slot is not None
    assert (slot.state, slot.worker) == (RUNNING, "crm-02 pid 4711")
