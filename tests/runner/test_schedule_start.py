"""A daily schedule starts at its slot (issue 12): set at 00:55 for 03:00 it runs nothing
until 03:00, it runs at 03:00, and a slot missed while the scheduler was down (after the
schedule was set) is caught up once. The scheduler's clock is injected."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from tests.sync.conftest import Scene

from listbridge.cli.schedules import default_registry
from listbridge.runner.scheduler import LOCAL, Scheduler, Slot
from listbridge.store.models import Run, Setting
from listbridge.store.runs import list_runs
from listbridge.store.schedule_state import in_force_since

KEY = "sync.full_schedule"
DAY = timedelta(days=1)


def local(hour: int, minute: int = 0) -> datetime:
    """A wall-clock time where the scheduler runs, on a day far from any DST change."""
    return datetime(2026, 6, 10, hour, minute, tzinfo=LOCAL)


def schedule_set_at(scene: Scene, text: str, at: datetime) -> None:
    answer = scene.cli("settings", "set", f"{KEY}={text}")
    assert answer.exit_code == 0, answer.output
    with scene.store.session() as session:
        session.execute(update(Setting).where(Setting.key == KEY).values(updated_at=at))


def set_at(scene: Scene) -> datetime | None:
    return in_force_since(scene.store, scene.connection_id, KEY)


def full_slot(scene: Scene, now: datetime) -> tuple[Scheduler, Slot]:
    """The full sync's slot as a scheduler started at `now` plans it."""
    scheduler = Scheduler(scene.store, default_registry(), clock=lambda: now)
    [slot] = [s for s in scheduler.slots() if s.schedule.name == "full"]
    return scheduler, slot


def ran_at(scene: Scene, moment: datetime) -> None:
    """The full runs started at `moment` (a run records the real time it started)."""
    with scene.store.session() as session:
        session.execute(update(Run).where(Run.kind == "full").values(started_at=moment))


def full_runs(scene: Scene) -> int:
    return len(list_runs(scene.store, scene.connection_id, kind="full"))


def test_a_first_time_schedule_runs_nothing_before_its_slot(scene: Scene) -> None:
    schedule_set_at(scene, "daily 03:00", local(0, 55))
    for now in (local(0, 55), local(0, 56), local(2, 59)):
        assert full_slot(scene, now)[1].first == local(3), now
    assert full_runs(scene) == 0


def test_it_runs_at_its_slot(scene: Scene) -> None:
    schedule_set_at(scene, "daily 03:00", local(0, 55))
    scheduler, slot = full_slot(scene, local(3))
    assert slot.first == local(3)
    scheduler.run_slot(slot)
    assert scheduler.events[-1].endswith("ran"), scheduler.events
    assert full_runs(scene) == 1


def test_a_slot_missed_while_the_scheduler_was_down_is_caught_up_once(scene: Scene) -> None:
    schedule_set_at(scene, "daily 03:00", local(0, 55))
    scheduler, slot = full_slot(scene, local(4, 10))  # down from 01:00 until 04:10
    assert slot.first == local(4, 10)  # today's 03:00 came after it was set: at once
    scheduler.run_slot(slot)
    ran_at(scene, local(4, 10))
    assert full_slot(scene, local(5))[1].first == local(3) + DAY  # caught up: not again
    down_over_two_slots = local(6) + 2 * DAY
    assert full_slot(scene, down_over_two_slots)[1].first == down_over_two_slots  # once
    assert full_runs(scene) == 1


def test_setting_the_same_schedule_again_does_not_move_when_it_was_set(scene: Scene) -> None:
    schedule_set_at(scene, "daily 03:00", local(0, 55))
    assert scene.cli("settings", "set", f"{KEY}=daily 03:00").exit_code == 0
    assert set_at(scene) == local(0, 55)
    assert full_slot(scene, local(4, 10))[1].first == local(4, 10)
    assert scene.cli("settings", "set", f"{KEY}=daily 03:30").exit_code == 0  # a change
    with scene.store.session() as session:
        session.execute(update(Setting).where(Setting.key == KEY).values(updated_at=local(4)))
    assert full_slot(scene, local(4, 10))[1].first == local(3, 30) + DAY
