"""A queue entry whose broker message was lost does not hold its slot for ever
(runner/lost_entries.py): the tick releases it as lost, with a reason `status` shows, and
enqueues the slot again, once; an entry waiting its turn (in the queue, or for its retry
after the lock refused it), or running under a live lock, is left alone. The broker is a
recorder of `send_task` that can lose messages."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.sync.conftest import Scene

from listbridge.cli.schedules import default_registry
from listbridge.core.locks import new_lease
from listbridge.runner.lost_entries import LOOK_GRACE
from listbridge.runner.slots import LOCAL
from listbridge.runner.tick import enqueue_due
from listbridge.store.job_queue import (
    DONE,
    LOST,
    QUEUED,
    RUNNING,
    Entry,
    active_entries,
    all_entries,
    claim,
    enqueue,
    finish,
    requeue,
)
from listbridge.store.locks import _row
from listbridge.store.models import Lock
from listbridge.sync.budget_resume import KIND as BUDGET_RESUME
from listbridge.sync.stats import KIND as STATS
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES

#: LISTBRIDGE_BROKER_VISIBILITY_SECONDS's default: an entry may wait 2 h without a look
BOUND = timedelta(hours=2)


@dataclass
class Broker:
    """What the ticks send, and what the broker still holds (a flush forgets it all)."""

    sent: list[tuple[str, list[Any], str, str]] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    looked: list[set[str]] = field(default_factory=list)

    def send_task(self, name: str, *, args: list[Any], queue: str, task_id: str) -> None:
        self.sent.append((name, args, queue, task_id))
        self.held.add(task_id)

    def flush(self) -> None:
        self.held.clear()

    def look(self, task_ids: Collection[str]) -> set[str]:
        self.looked.append(set(task_ids))
        return self.held & set(task_ids)


def _pin_nightly_pull(scene: Scene, now: datetime) -> None:
    """The nightly pull half a day away, so that no tick below crosses its slot."""
    away = (now + timedelta(hours=12)).astimezone(LOCAL)
    pinned = scene.cli("settings", "set", f"stats.pull_at={away:%H:%M}")
    assert pinned.exit_code == 0, pinned.output


def _by_job(entries: list[Entry]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in entries:
        found.setdefault(entry.job, []).append(entry.state)
    return found


def test_a_queued_entry_whose_message_vanished_is_released_after_the_bound_then_enqueued_once(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """No look into the broker (not Redis): time alone, 2 × the visibility timeout."""
    registry, broker, now = default_registry(), Broker(), datetime.now(UTC)
    _pin_nightly_pull(scene, now)
    enqueue_due(scene.store, registry, broker, now)
    assert len(broker.sent) == 2
    broker.flush()  # Redis restarted without persistence: both messages gone
    # within the bound: a long queue may still be ahead of them
    assert enqueue_due(scene.store, registry, broker, now + BOUND - timedelta(minutes=1)) == []
    assert _by_job(all_entries(scene.store)) == {
        UNSUBSCRIBES: [QUEUED], BUDGET_RESUME: [QUEUED]
    }  # fmt: skip
    later = now + BOUND + timedelta(seconds=30)
    with caplog.at_level(logging.WARNING, logger="listbridge.scheduler"):
        said = enqueue_due(scene.store, registry, broker, later)
    assert [line.split(" released: ")[0] for line in said[:2]] == [
        f"{UNSUBSCRIBES} (connection {scene.connection_id})",
        f"{BUDGET_RESUME} (connection {scene.connection_id})",
    ]
    assert said[2:] == [
        f"{UNSUBSCRIBES} (connection {scene.connection_id}) enqueued",
        f"{BUDGET_RESUME} (connection {scene.connection_id}) enqueued",
    ]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2
    assert all("connection 'default'" in r.getMessage() for r in warned)
    assert {UNSUBSCRIBES, BUDGET_RESUME} == {r.args[1] for r in warned}  # type: ignore[index]
    assert _by_job(all_entries(scene.store)) == {
        UNSUBSCRIBES: [LOST, QUEUED], BUDGET_RESUME: [LOST, QUEUED]
    }  # fmt: skip
    assert len(broker.sent) == 4
    # enqueued once: the ticks that follow find the new entries queued
    assert enqueue_due(scene.store, registry, broker, later + timedelta(seconds=30)) == []
    assert len(broker.sent) == 4


def _state(scene: Scene, entry_id: int | None) -> str:
    (entry,) = [e for e in all_entries(scene.store) if e.entry_id == entry_id]
    return entry.state


def test_a_queue_moving_ahead_of_an_entry_keeps_it_waiting_past_the_bound(scene: Scene) -> None:
    """No look into the broker: jobs queued before it are still being taken, so it waits."""
    store, now = scene.store, datetime.now(UTC)
    ahead = [enqueue(store, scene.connection_id, job, "web:ada", now) for job in ("push", "lists")]
    waiting = enqueue(store, scene.connection_id, UNSUBSCRIBES, "scheduler", now)
    # a worker took the job just ahead of it 10 minutes ago, 2 h 50 after they were queued
    took = now + BOUND + timedelta(minutes=50)
    assert ahead[1] is not None
    assert claim(store, ahead[1], "worker-2 pid 88", took) is not None
    finish(store, ahead[1], DONE, took)
    broker = Broker()
    enqueue_due(store, default_registry(), broker, took + timedelta(minutes=10))
    assert _state(scene, waiting) == QUEUED
    # taken before it in a FIFO queue, a job queued later than this one: this one is lost
    assert _state(scene, ahead[0]) == LOST
    # the queue ahead of it stood still for the bound: now it is lost too
    enqueue_due(store, default_registry(), broker, took + BOUND + timedelta(seconds=1))
    assert _state(scene, waiting) == LOST


def test_with_a_look_into_the_broker_a_held_message_waits_and_a_gone_one_goes_soon(
    scene: Scene,
) -> None:
    registry, broker, now = default_registry(), Broker(), datetime.now(UTC)
    _pin_nightly_pull(scene, now)
    enqueue_due(scene.store, registry, broker, now, broker.look)
    unsubscribes, budget = sorted(active_entries(scene.store, scene.connection_id),
                                  key=lambda e: e.job != UNSUBSCRIBES)  # fmt: skip
    broker.held.discard(unsubscribes.task_id)  # evicted; the budget check's is still there
    # within the grace: not even looked for (its message may be on its way)
    assert (
        enqueue_due(scene.store, registry, broker, now + timedelta(seconds=30), broker.look) == []
    )
    assert broker.looked == []
    # 6 h on, far past 2 × the visibility timeout: the held message still waits its turn
    later = now + 3 * BOUND
    said = enqueue_due(scene.store, registry, broker, later, broker.look)
    assert broker.looked == [{unsubscribes.task_id, budget.task_id}]
    assert len(said) == 2
    assert said[0].startswith(f"{UNSUBSCRIBES} (connection {scene.connection_id}) released: ")
    assert "its message is gone from the broker" in said[0]
    assert said[1] == f"{UNSUBSCRIBES} (connection {scene.connection_id}) enqueued"
    assert _by_job(all_entries(scene.store)) == {
        UNSUBSCRIBES: [LOST, QUEUED], BUDGET_RESUME: [QUEUED]
    }  # fmt: skip


def _hold_lock(scene: Scene, holder: str, heartbeat: datetime, ttl: timedelta) -> None:
    """The connection's lock as a worker on another machine holds it (no local pid)."""
    lease = new_lease("owner-1", holder, heartbeat, ttl, None)
    with scene.store.session() as session:
        session.add(Lock(connection_id=scene.connection_id, **_row(lease)))


def test_a_running_entry_is_released_only_once_its_lock_lapsed_and_its_message_is_gone(
    scene: Scene,
) -> None:
    store, broker, now = scene.store, Broker(), datetime.now(UTC)
    _pin_nightly_pull(scene, now)
    task_id = "a1" * 16
    entry_id = enqueue(
        store, scene.connection_id, "push", "web:ada operator", now, {"action": "push"}, task_id
    )
    assert entry_id is not None
    assert claim(store, entry_id, "worker-2 pid 4711", now) is not None
    # its worker renews the lock (a day-long push): never released, message or not
    day = now + timedelta(days=1)
    _hold_lock(scene, "push (pid 4711 on worker-2)", day, timedelta(seconds=60))
    for look in (None, broker.look):
        enqueue_due(store, default_registry(), broker, day + timedelta(seconds=30), look)
        (entry,) = [e for e in all_entries(store) if e.entry_id == entry_id]
        assert entry.state == RUNNING
    # the worker died: its lease lapsed, and its message is gone too (Redis flushed)
    dead = day + timedelta(minutes=5)
    said = enqueue_due(store, default_registry(), broker, dead, broker.look)
    assert said[0].startswith(f"push (connection {scene.connection_id}) released: lost: its worker")
    assert "worker-2 pid 4711" in said[0]
    (entry,) = [e for e in all_entries(store) if e.entry_id == entry_id]
    assert entry.state == LOST
    # its message delivered late after all: the entry is finished, the job does not run
    assert claim(store, entry_id, "worker-3 pid 9", dead) is None


def test_a_running_entry_whose_message_is_held_is_left_to_its_redelivery(scene: Scene) -> None:
    """The worker died, but the broker hands its message to another worker after the
    visibility timeout: that worker takes the job over (tasks.py), not the tick."""
    store, broker, now = scene.store, Broker(), datetime.now(UTC)
    task_id = "b2" * 16
    broker.held.add(task_id)
    entry_id = enqueue(
        store, scene.connection_id, "lists", "web:ada operator", now, {"action": "lists"}, task_id
    )
    assert entry_id is not None
    claim(store, entry_id, "worker-2 pid 4711", now)
    _hold_lock(scene, "lists (pid 4711 on worker-2)", now, timedelta(seconds=60))
    enqueue_due(store, default_registry(), broker, now + timedelta(hours=3), broker.look)
    (entry,) = [e for e in all_entries(store) if e.entry_id == entry_id]
    assert entry.state == RUNNING


def test_status_shows_the_released_entry_and_its_reason_until_its_job_finishes(
    scene: Scene,
) -> None:
    registry, broker, now = default_registry(), Broker(), datetime.now(UTC)
    _pin_nightly_pull(scene, now)
    enqueue_due(scene.store, registry, broker, now)
    broker.flush()
    enqueue_due(scene.store, registry, broker, now + BOUND + timedelta(minutes=1))

    shown = json.loads(scene.cli("status", "--json", "--offline").stdout)["worker_jobs"]
    lost = [job for job in shown if job["state"] == LOST]
    assert sorted(job["job"] for job in lost) == [BUDGET_RESUME, UNSUBSCRIBES]
    assert all(job["reason"].startswith("lost: queued since ") for job in lost)
    assert all("2:00:00 (2 × the broker's visibility timeout)" in job["reason"] for job in lost)
    assert all(job["released_at"] is not None for job in lost)
    queued = [job for job in shown if job["state"] == QUEUED]
    assert [job["reason"] for job in queued] == [None, None]
    text = scene.cli("status", "--offline").stdout
    assert f"  {UNSUBSCRIBES}: released at " in text
    assert f"  {UNSUBSCRIBES}: queued since " in text

    # the slot served again: the released entry has nothing more to say
    for entry in active_entries(scene.store, scene.connection_id):
        claim(scene.store, entry.entry_id, "worker-1 pid 7", now + BOUND + timedelta(minutes=2))
        finish(scene.store, entry.entry_id, DONE, now + BOUND + timedelta(minutes=3))
    assert json.loads(scene.cli("status", "--json", "--offline").stdout)["worker_jobs"] == []


def test_a_released_schedule_whose_slot_is_daily_is_enqueued_again_at_once(scene: Scene) -> None:
    """The nightly pull's entry lost: the lost entry served nothing, so its slot is still
    missed and the tick that releases it enqueues it again (not tomorrow night)."""
    registry, broker, now = default_registry(), Broker(), datetime.now(UTC)
    _pin_nightly_pull(scene, now)
    soon = now + timedelta(hours=12, minutes=1)
    enqueue_due(scene.store, registry, broker, soon)
    pulls = [args for _, args, _, _ in broker.sent if args[1] == STATS]
    assert len(pulls) == 1
    broker.flush()
    said = enqueue_due(scene.store, registry, broker, soon + LOOK_GRACE * 2, broker.look)
    assert f"{STATS} (connection {scene.connection_id}) enqueued" in said
    assert [e.state for e in all_entries(scene.store) if e.job == STATS] == [LOST, QUEUED]


def test_a_slot_waiting_for_its_retry_is_not_lost_and_status_says_what_it_waits_for(
    scene: Scene,
) -> None:
    """A slot the lock refused waits, queued, for its retry (runner/tasks.py): meanwhile
    a worker holds the retry's message unacknowledged until its countdown ends (Redis's
    unacknowledged hash, where broker_look.py looks), so the tick neither releases it nor
    enqueues the slot a second time; with no look, the retry comes within half the
    visibility timeout, far inside 2 × of it."""
    store, registry, broker, now = scene.store, default_registry(), Broker(), datetime.now(UTC)
    _pin_nightly_pull(scene, now)
    enqueue_due(store, registry, broker, now, broker.look)
    (waiting,) = [e for e in active_entries(store, scene.connection_id) if e.job == UNSUBSCRIBES]
    assert claim(store, waiting.entry_id, "worker-1 pid 7", now + timedelta(seconds=1))
    words = (
        "waiting for the lock: connection 'default' is busy: the push alice started (run 3)"
        " has held its lock since 10:00; try again when it finishes; trying again at"
        " 10:16:01 (local time) (refused 5 times in a row)"
    )
    requeue(store, waiting.entry_id, words)
    for look in (broker.look, None):  # 15 minutes on: past the look's grace, not the bound
        assert enqueue_due(store, registry, broker, now + timedelta(minutes=15), look) == []
        assert _state(scene, waiting.entry_id) == QUEUED
    assert broker.looked[-1] >= {waiting.task_id}

    shown = json.loads(scene.cli("status", "--json", "--offline").stdout)["worker_jobs"]
    (job,) = [job for job in shown if job["job"] == UNSUBSCRIBES]
    assert (job["state"], job["reason"], job["released_at"]) == (QUEUED, words, None)
    text = scene.cli("status", "--offline").stdout
    assert f"  {UNSUBSCRIBES}: queued since " in text
    assert f" (by scheduler), {words}\n" in text
