"""The in-process scheduler (APScheduler): every registered schedule, for every connection.

- A connection whose `sync.enabled` is false is skipped at every firing, and the run log
  says "sync disabled" naming it. The setting is read at each firing, not at start, so
  switching it on or off takes effect without restarting the scheduler.
- A paused connection (needs reconnecting) is skipped, and the run log says so.
- A job that finds the connection's lock held waits for the next slot, and says so.
- Missed runs after downtime run once on start, not once per missed slot: the first
  run is due at the job's last start plus its interval, or now if that has passed;
  APScheduler coalesces the slots missed while running (`coalesce`, one instance).
- A daily or weekly schedule starts at its slot: only a slot that came after the schedule
  was set counts as missed (core/schedule_times.py), so a first-time schedule waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from tzlocal import get_localzone

from listbridge.core.errors import LockHeldError
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

log = logging.getLogger("listbridge.scheduler")
#: daily and weekly schedules are wall-clock times where the scheduler runs
LOCAL = get_localzone()
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


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


@dataclass
class Scheduler:
    store: Store
    registry: Registry
    clock: Clock = _now
    #: the run log: one line per slot run or skipped, newest last
    events: list[str] = field(default_factory=list)
    #: where else each run-log line goes (the `scheduler` command prints it)
    say_to: Callable[[str], object] | None = None
    _aps: BackgroundScheduler | None = None

    def slots(self) -> list[Slot]:
        now, found = self.clock(), []
        for connection_id in connection_ids(self.store):
            settings = effective_settings(self.store, connection_id)
            for schedule in self.registry.schedules.values():
                every = schedule.trigger_from_settings(settings)
                if every is not None:
                    first = self._first(schedule, connection_id, every, now)
                    found.append(Slot(schedule, connection_id, every, first))
        return found

    def _first(
        self, schedule: Schedule, connection_id: int, every: Trigger, now: datetime
    ) -> datetime:
        last = last_started(self.store, connection_id, schedule.name)
        if not isinstance(every, Calendar):
            return first_run(last, every, now)
        set_at = in_force_since(self.store, connection_id, schedule.setting)
        return first_run(last, every, now, set_at)

    def start(self) -> list[Slot]:
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        self._aps = BackgroundScheduler(timezone=UTC, job_defaults=defaults)
        planned = self.slots()
        for slot in planned:
            self._aps.add_job(self.run_slot, slot.trigger(), args=[slot], next_run_time=slot.first)
        self._aps.start()
        return planned

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=True)
            self._aps = None

    def run_slot(self, slot: Slot) -> None:
        if not sync_enabled(self.store, slot.connection_id):
            name = connection_name(self.store, slot.connection_id)
            self.say(f"{slot.label} skipped: sync disabled for connection {name!r} ({SYNC_OFF})")
            return
        pause = schedule_pause(self.store, slot.connection_id)
        if pause is not None:
            self.say(f"{slot.label} skipped: schedules paused ({pause.reason})")
            return
        try:
            slot.schedule.job(self.store, slot.connection_id)
        except LockHeldError as error:
            self.say(f"{slot.label} skipped: {error}; waiting for the next slot")
        except Exception as error:  # one failed slot must not stop the scheduler
            log.exception("%s failed", slot.label)
            self.say(f"{slot.label} failed: {error}")
        else:
            self.say(f"{slot.label} ran")

    def say(self, line: str) -> None:
        stamped = f"{self.clock().isoformat(timespec='seconds')} {line}"
        self.events.append(stamped)
        log.info("%s", line)
        if self.say_to is not None:
            self.say_to(stamped)
