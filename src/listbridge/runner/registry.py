"""The one place jobs register their schedules. The scheduler reads it and knows no job:
a later job (the nightly statistics pull) adds its schedule here without touching it.

    registry.register_schedule("unsubscribes", every_interval_minutes, reconcile)

`trigger_from_settings` reads a connection's settings and says how often the job runs
there: an interval, or a daily/weekly time of day (a `Calendar`, e.g. `sync.full_schedule`;
None: not scheduled for that connection); `job(store, connection_id)` runs it
once and raises LockHeldError when another job holds the connection. `setting` names the
key a calendar comes from: a slot before that key was set is not a missed run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from listbridge.core.setting_values import Schedule as Calendar
from listbridge.core.settings import Settings
from listbridge.store.db import Store

Trigger = timedelta | Calendar
TriggerFromSettings = Callable[[Settings], Trigger | None]
Job = Callable[[Store, int], object]


@dataclass(frozen=True)
class Schedule:
    #: also the run kind the job records, so the scheduler can tell when it last ran
    name: str
    trigger_from_settings: TriggerFromSettings
    job: Job
    #: the settings key the trigger reads (None: in force since the connection exists)
    setting: str | None = None


@dataclass
class Registry:
    schedules: dict[str, Schedule] = field(default_factory=dict)

    def register_schedule(
        self,
        name: str,
        trigger_from_settings: TriggerFromSettings,
        job: Job,
        *,
        setting: str | None = None,
    ) -> None:
        if name in self.schedules:
            raise ValueError(f"a schedule named {name!r} is already registered")
        self.schedules[name] = Schedule(name, trigger_from_settings, job, setting)
