"""The in-process scheduler (APScheduler): every registered schedule, for every connection.

- A connection whose `sync.enabled` is false is skipped at every firing, and the run log
  says "sync disabled" naming it. The setting is read at each firing, not at start, so
  switching it on or off takes effect without restarting the scheduler.
- A paused connection (needs reconnecting) is skipped, and the run log says so.
- A job that finds the connection's lock held is refused, and waits its turn: a one-off
  retry of the slot (one per slot, replacing an earlier one) after 1 minute, doubling at
  each refusal up to 15 minutes, unless the slot's next regular firing comes first. The
  run log names the holder and when it tries again. A nightly or weekly job refused is
  not put off a whole day or week.
- Missed runs after downtime run once on start, not once per missed slot: the first
  run is due at the job's last start plus its interval, or now if that has passed;
  APScheduler coalesces the slots missed while running (`coalesce`, one instance).
- A daily or weekly schedule starts at its slot: only a slot that came after the schedule
  was set counts as missed (core/schedule_times.py), so a first-time schedule waits.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from listbridge.core.errors import LockHeldError
from listbridge.runner.registry import Registry
from listbridge.runner.slots import LOCAL, Slot, first_run, plan_slots, skip_reason
from listbridge.store.db import Store

__all__ = ["LOCAL", "Clock", "Scheduler", "Slot", "first_run"]

log = logging.getLogger("listbridge.scheduler")
Clock = Callable[[], datetime]
#: a refused slot tries again after this, doubled at each refusal in a row, up to RETRY_MAX
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(minutes=15)


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
    #: refusals in a row, per slot (its retry job's id)
    _refusals: dict[str, int] = field(default_factory=dict)
    #: guards the retries against shutdown: APScheduler's shutdown holds its job store's
    #: lock while it waits for the running jobs, so a job adding or removing one then
    #: would wait for ever
    _retry_lock: threading.Lock = field(default_factory=threading.Lock)

    def slots(self) -> list[Slot]:
        return plan_slots(self.store, self.registry, self.clock())

    def start(self, *, paused: bool = False) -> list[Slot]:
        """Plan every slot and start firing them (`paused`: planned, none fires yet)."""
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        self._aps = BackgroundScheduler(timezone=UTC, job_defaults=defaults)
        planned = self.slots()
        for slot in planned:
            self._aps.add_job(self.run_slot, slot.trigger(), args=[slot], next_run_time=slot.first)
        self._aps.start(paused=paused)
        return planned

    def pending_retries(self) -> dict[str, datetime]:
        """Each slot's retry waiting to fire, by its job's id, with when it fires."""
        if self._aps is None:
            return {}
        jobs = self._aps.get_jobs()
        return {j.id: j.next_run_time for j in jobs if j.id.startswith("retry ")}

    def shutdown(self) -> None:
        with self._retry_lock:
            aps, self._aps = self._aps, None  # a job running on from now retries nothing
        if aps is not None:
            aps.shutdown(wait=True)

    def run_slot(self, slot: Slot) -> None:
        skipped = skip_reason(self.store, slot.connection_id)
        if skipped is not None:
            self._no_retry(slot)
            self.say(f"{slot.label} skipped: {skipped}")
            return
        try:
            slot.schedule.job(self.store, slot.connection_id)
        except LockHeldError as error:
            self.say(f"{slot.label} refused: {error}; {self._retry(slot)}")
        except Exception as error:  # one failed slot must not stop the scheduler
            self._no_retry(slot)
            log.exception("%s failed", slot.label)
            self.say(f"{slot.label} failed: {error}")
        else:
            self._no_retry(slot)
            self.say(f"{slot.label} ran")

    def _retry(self, slot: Slot) -> str:
        """Put the refused slot's retry in (replacing an earlier one); say when it runs."""
        key = retry_id(slot)
        with self._retry_lock:
            if self._aps is None:  # not started, or shutting down: nothing fires a retry
                return "waiting for the next slot"
            refusals = self._refusals.get(key, 0) + 1
            self._refusals[key] = refusals
            now = self.clock()
            at = now + min(RETRY_FIRST * 2 ** (refusals - 1), RETRY_MAX)
            # the firing running now is not "next": ask for one strictly after now
            regular = slot.trigger().get_next_fire_time(None, now + timedelta(microseconds=1))
            if regular is not None and regular <= at:
                self._drop_retry(key)
                return f"waiting for the next slot at {clock_time(regular)}"
            self._aps.add_job(
                self.run_slot, DateTrigger(run_date=at), args=[slot], id=key, replace_existing=True
            )
            return f"retrying at {clock_time(at)}"

    def _no_retry(self, slot: Slot) -> None:
        """The slot ran (or will not run now): its refusals and pending retry are over."""
        key = retry_id(slot)
        with self._retry_lock:
            if self._refusals.pop(key, None) is not None:
                self._drop_retry(key)

    def _drop_retry(self, key: str) -> None:
        # JobLookupError: it fired already (the run now may be it)
        if self._aps is not None:
            with contextlib.suppress(JobLookupError):
                self._aps.remove_job(key)

    def say(self, line: str) -> None:
        stamped = f"{self.clock().isoformat(timespec='seconds')} {line}"
        self.events.append(stamped)
        log.info("%s", line)
        if self.say_to is not None:
            self.say_to(stamped)


def retry_id(slot: Slot) -> str:
    return f"retry {slot.schedule.name} {slot.connection_id}"


def clock_time(at: datetime) -> str:
    """HH:MM where the scheduler runs, as daily and weekly slots are given."""
    return f"{at.astimezone(LOCAL):%H:%M} (local time)"
