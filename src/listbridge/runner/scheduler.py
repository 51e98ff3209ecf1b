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
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from listbridge.core.errors import LockHeldError
from listbridge.runner.registry import Registry
from listbridge.runner.slots import LOCAL, Slot, first_run, plan_slots, skip_reason
from listbridge.store.db import Store

__all__ = ["LOCAL", "Clock", "Scheduler", "Slot", "first_run"]

log = logging.getLogger("listbridge.scheduler")
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


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
        return plan_slots(self.store, self.registry, self.clock())

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
        skipped = skip_reason(self.store, slot.connection_id)
        if skipped is not None:
            self.say(f"{slot.label} skipped: {skipped}")
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
