"""The Celery tick (runner/tick.py) by the in-process scheduler's rules, without a broker:
each due slot enqueued once, a queued or running slot not again, a slot served recently
not due though its job recorded no run, a connection switched off never enqueued."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.sync.conftest import Scene

from listbridge.cli.schedules import BUDGET_CHECK, default_registry
from listbridge.runner.slots import LOCAL
from listbridge.runner.task_names import QUEUE, SCHEDULE_TASK
from listbridge.runner.tick import enqueue_due
from listbridge.store.connections import connection_id
from listbridge.store.job_queue import DONE, active_entries, all_entries, finish
from listbridge.sync.budget_resume import KIND as BUDGET_RESUME
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES


@dataclass
class Broker:
    """What a tick sends, as Celery's `send_task` takes it."""

    sent: list[tuple[str, list[Any], str, str]] = field(default_factory=list)

    def send_task(self, name: str, *, args: list[Any], queue: str, task_id: str) -> None:
        self.sent.append((name, args, queue, task_id))


def _jobs(broker: Broker) -> list[str]:
    return sorted(args[1] for _, args, _, _ in broker.sent)


def test_each_due_slot_is_enqueued_once_and_served_slots_wait(scene: Scene) -> None:
    registry, broker, now = default_registry(), Broker(), datetime.now(UTC)
    # the nightly pull half a day away, so that no tick below crosses its slot
    away = (now + timedelta(hours=12)).astimezone(LOCAL)
    pinned = scene.cli("settings", "set", f"stats.pull_at={away:%H:%M}")
    assert pinned.exit_code == 0, pinned.output
    cid = connection_id(scene.store, "default")
    said = enqueue_due(scene.store, registry, broker, now)
    # never run: the reconciliation and the budget check now; the nightly pull waits for
    # its first slot, the full sync is off
    assert _jobs(broker) == [BUDGET_RESUME, UNSUBSCRIBES]
    assert said == [f"{UNSUBSCRIBES} (connection {cid}) enqueued",
                    f"{BUDGET_RESUME} (connection {cid}) enqueued"]  # fmt: skip
    entries = active_entries(scene.store, cid)
    assert {(e.job, e.task_id) for e in entries} == {
        (args[1], task_id) for _, args, _, task_id in broker.sent
    }
    assert {(name, queue) for name, _, queue, _ in broker.sent} == {(SCHEDULE_TASK, QUEUE)}
    # queued still: the next tick, however late, enqueues nothing
    assert enqueue_due(scene.store, registry, broker, now + timedelta(hours=2)) == []
    for entry in entries:
        finish(scene.store, entry.entry_id, DONE, now)
    # served (the budget check recorded no run): not due before its quarter hour is up
    assert enqueue_due(scene.store, registry, broker, now + timedelta(minutes=1)) == []
    later = now + BUDGET_CHECK + timedelta(seconds=1)
    assert enqueue_due(scene.store, registry, broker, later) == [
        f"{BUDGET_RESUME} (connection {cid}) enqueued"
    ]
    assert len(all_entries(scene.store)) == 3


def test_a_connection_switched_off_is_not_enqueued(scene: Scene) -> None:
    switched = scene.cli("settings", "set", "sync.enabled=false")
    assert switched.exit_code == 0, switched.output
    broker = Broker()
    assert enqueue_due(scene.store, default_registry(), broker, datetime.now(UTC)) == []
    assert broker.sent == []
    assert all_entries(scene.store) == []
