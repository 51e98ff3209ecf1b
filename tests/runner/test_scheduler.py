"""The in-process scheduler (acceptance 2 of issue 8): the unsubscribe reconciliation on
schedule with a short interval, the missed-run rule, and the slots it skips, saying so."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from tests.sync.conftest import Scene
from tests.sync.test_unsubscribes import linked

from listbridge.cli.schedules import default_registry, reconcile_on_schedule
from listbridge.core.tokens import Health
from listbridge.runner.registry import Registry
from listbridge.runner.scheduler import Scheduler, Slot, first_run
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.models import CcAccount, Run
from listbridge.store.runs import list_runs

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
EVERY = timedelta(minutes=30)


def every(interval: timedelta) -> Registry:
    registry = Registry()
    registry.register_schedule("unsubscribes", lambda _settings: interval, reconcile_on_schedule)
    return registry


def runs(scene: Scene) -> list[datetime]:
    found = list_runs(scene.store, scene.connection_id, kind="unsubscribes")
    return sorted(r.started_at for r in found)


def wait_for(condition: object, seconds: float = 30.0) -> None:
    """Until `condition` holds, at most `seconds`: generous, for a CI machine under load
    (a condition that holds returns at once)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def reconciliations(slots: list[Slot]) -> list[Slot]:
    return [s for s in slots if s.schedule.name == "unsubscribes"]


def test_first_run_is_now_once_after_downtime_else_on_time() -> None:
    assert first_run(None, EVERY, NOW) == NOW
    assert first_run(NOW - 5 * EVERY, EVERY, NOW) == NOW  # once, not five times
    assert first_run(NOW - EVERY, EVERY, NOW) == NOW
    assert first_run(NOW - timedelta(minutes=10), EVERY, NOW) == NOW + timedelta(minutes=20)


def test_the_reconciliation_runs_on_schedule(scene: Scene) -> None:
    ids = linked(scene, "a@example.org")
    scheduler = Scheduler(scene.store, every(timedelta(seconds=0.5)))
    started = scheduler.start()
    try:
        assert [(s.label, s.every) for s in started] == [
            (f"unsubscribes (connection {scene.connection_id})", timedelta(seconds=0.5))
        ]
        wait_for(lambda: len(runs(scene)) >= 1)
        scene.unsubscribe(ids["a@example.org"])
        wait_for(lambda: scene.account("A0").email_opt_out)
        wait_for(lambda: len(runs(scene)) >= 4)
    finally:
        scheduler.shutdown()
    assert scene.account("A0").email_opt_out
    starts = runs(scene)
    assert len(starts) >= 4
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    # Slots sit on a fixed grid: a late run shortens the next gap, and a slot missed
    # while the machine was busy is caught up once. What must hold: never more runs
    # than slots in the time they span, and no two runs at the same instant.
    assert len(gaps) <= sum(gaps) / 0.5 + 1, gaps
    assert min(gaps) > 0.02, gaps
    assert all(line.endswith("ran") for line in scheduler.events), scheduler.events


def test_missed_runs_after_downtime_run_once_on_start(scene: Scene) -> None:
    linked(scene, "a@example.org")
    assert scene.cli("unsubscribes", "sync").exit_code == 0
    long_ago = datetime.now(UTC) - timedelta(hours=5)  # ten 30-minute slots missed
    with scene.store.session() as session:
        session.execute(update(Run).values(started_at=long_ago))
    scheduler = Scheduler(scene.store, default_registry())
    [slot] = reconciliations(scheduler.start())
    try:
        wait_for(lambda: len(runs(scene)) >= 2)
        time.sleep(1.0)
    finally:
        scheduler.shutdown()
    assert len(runs(scene)) == 2  # the one before the downtime, and one on start
    assert slot.every == timedelta(minutes=30)
    assert [e for e in scheduler.events if "unsubscribes" in e][-1].endswith("ran")


def test_a_recent_run_puts_the_first_slot_one_interval_after_it(scene: Scene) -> None:
    linked(scene, "a@example.org")
    assert scene.cli("unsubscribes", "sync").exit_code == 0
    [last] = runs(scene)
    scheduler = Scheduler(scene.store, default_registry())
    [slot] = reconciliations(scheduler.start())
    try:
        time.sleep(0.5)
    finally:
        scheduler.shutdown()
    assert slot.first == last + timedelta(minutes=30)
    assert len(runs(scene)) == 1
    assert [e for e in scheduler.events if "unsubscribes" in e] == []


def test_a_held_lock_or_a_paused_connection_skips_the_slot_saying_so(scene: Scene) -> None:
    linked(scene, "a@example.org")
    scheduler = Scheduler(scene.store, every(timedelta(minutes=5)))
    [slot] = scheduler.slots()
    with connection_lock(scene.store, scene.connection_id, holder_here("push")):
        scheduler.run_slot(slot)
    assert "refused" in scheduler.events[-1]
    assert "push" in scheduler.events[-1]
    assert "waiting for the next slot" in scheduler.events[-1]
    with scene.store.session() as session:
        session.execute(
            update(CcAccount).values(health=Health.NEEDS_RECONNECT.value, health_reason="revoked")
        )
    scheduler.run_slot(slot)
    assert "skipped: schedules paused (revoked)" in scheduler.events[-1]
    assert runs(scene) == []


def test_the_scheduler_command_runs_the_registered_schedules(scene: Scene) -> None:
    linked(scene, "a@example.org")
    answer = scene.cli("scheduler", "--for", "1.5")
    assert answer.exit_code == 0, answer.output
    assert f"unsubscribes (connection {scene.connection_id}): every 0:30:00" in answer.stdout
    assert f"unsubscribes (connection {scene.connection_id}) ran" in answer.stdout
    assert len(runs(scene)) == 1
