"""When each (schedule, connection) slot is due, and whether it may run: the rules the
in-process scheduler (scheduler.py) and the Celery tick (tick.py) share.

- A slot first runs once now if a run was missed (or never made), else on time:
  `first_run`. The last run is the job's newest run; the Celery tick also counts the
  slot's newest queue entry, for jobs that record no run when there is nothing to do.
- A daily or weekly schedule starts at its slot: only a slot after the schedule was set
  counts as missed (core/schedule_times.py).
- A connection whose `sync.enabled` is false, or whose schedules are paused (it needs
  reconnecting), is skipped: `skip_reason`, read at each firing.
- A slot refused by a held lock is retried until the schedule's next slot comes
  (`next_slot`): that one supersedes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from tzlocal import get_localzone

from listbridge.core.schedule_times import missed, previous_due
from listbridge.core.setting_values import Frequency, render_schedule
from listbridge.core.setting_values import Schedule as Calendar
from listbridge.runner.registry import Registry, Schedule, Trigger
from listbridge.store.connections import connection_name
from listbridge.store.db import Store
from listbridge.store.health import schedule_pause
from listbridge.store.schedule_state import (
    SYNC_OFF,
    connection_ids,
    in_force_since,
    last_started,
    sync_enabled,
)
from listbridge.store.settings import effective_settings

#: daily and weekly schedules are wall-clock times where the scheduler runs
LOCAL = get_localzone()
#: when a job last ran on a connection: (store, connection_id, schedule name)
LastRan = Callable[[Store, int, str], datetime | None]


@dataclass(frozen=True)
class Slot:
    schedule: Schedule
    connection_id: int
    every: Trigger  # an interval, or a daily/weekly local time of day
    first: datetime

    @property
    def label(self) -> str:
        return f"{self.schedule.name} (connection {self.connection_id})"

    @property
    def when(self) -> str:
        if isinstance(self.every, timedelta):
            return f"every {self.every}"
        return f"{render_schedule(self.every)} (local time)"

    def trigger(self) -> BaseTrigger:
        if isinstance(self.every, timedelta):
            return IntervalTrigger(seconds=self.every.total_seconds(), start_date=self.first)
        at, day = self.every.at, self.every.day
        assert at is not None
        weekly = self.every.frequency is Frequency.WEEKLY and day is not None
        days = day.name[:3].lower() if weekly and day is not None else "*"
        return CronTrigger(hour=at.hour, minute=at.minute, day_of_week=days, timezone=LOCAL)


def first_run(
    last: datetime | None, every: Trigger, now: datetime, set_at: datetime | None = None
) -> datetime:
    """When a slot first runs: once now if a run was missed (or never made), else on time.

    A calendar's slots before `set_at` (when it was set) were never missed."""
    if isinstance(every, Calendar):
        local = now.astimezone(LOCAL)
        if missed(every, last, local, set_at):
            return now
        due = previous_due(every, local)
        assert due is not None
        period = timedelta(days=7 if every.frequency is Frequency.WEEKLY else 1)
        return (due + period).astimezone(now.tzinfo)
    if last is None or last + every <= now:
        return now
    return last + every


def plan_slots(
    store: Store, registry: Registry, now: datetime, last_ran: LastRan = last_started
) -> list[Slot]:
    """Every connection's slot of every schedule in force there, with its next run."""
    found = []
    for connection_id in connection_ids(store):
        settings = effective_settings(store, connection_id)
        for schedule in registry.schedules.values():
            every = schedule.trigger_from_settings(settings)
            if every is not None:
                last = last_ran(store, connection_id, schedule.name)
                set_at = None
                if isinstance(every, Calendar):
                    set_at = in_force_since(store, connection_id, schedule.setting)
                first = first_run(last, every, now, set_at)
                found.append(Slot(schedule, connection_id, every, first))
    return found


def next_slot(
    store: Store, registry: Registry, name: str, connection_id: int, due: datetime
) -> datetime | None:
    """When the slot of schedule `name` that follows the one due at `due` comes, by the
    connection's settings now (None: the schedule no longer runs there)."""
    schedule = registry.schedules.get(name)
    if schedule is None:
        return None
    every = schedule.trigger_from_settings(effective_settings(store, connection_id))
    if every is None:
        return None
    trigger = Slot(schedule, connection_id, every, due).trigger()
    found: datetime | None = trigger.get_next_fire_time(None, due + timedelta(microseconds=1))
    return found


def skip_reason(store: Store, connection_id: int) -> str | None:
    """Why the connection's scheduled jobs are skipped now (None: they run)."""
    if not sync_enabled(store, connection_id):
        name = connection_name(store, connection_id)
        return f"sync disabled for connection {name!r} ({SYNC_OFF})"
    pause = schedule_pause(store, connection_id)
    if pause is not None:
        return f"schedules paused ({pause.reason})"
    return None
