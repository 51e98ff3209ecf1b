"""Every job's schedule, registered in one place (the scheduler itself knows no job):
the unsubscribe reconciliation every `unsubscribe.interval_minutes`, the full sync at
`sync.full_schedule`, the nightly campaign statistics pull at `stats.pull_at`, and the
quarter-hourly look for a run the daily API budget interrupted.
"""

from __future__ import annotations

from datetime import time, timedelta

from listbridge.core.setting_values import Frequency
from listbridge.core.setting_values import Schedule as Calendar
from listbridge.core.settings import (
    PUSH_DIRECTION,
    STATS_PULL_AT,
    SYNC_FULL_SCHEDULE,
    UNSUBSCRIBE_INTERVAL_MINUTES,
    Settings,
)
from listbridge.runner.registry import Registry
from listbridge.store.db import Store
from listbridge.store.settings import effective_settings
from listbridge.sync.budget_resume import KIND as BUDGET_RESUME
from listbridge.sync.budget_resume import resume_after_budget
from listbridge.sync.full import KIND as FULL
from listbridge.sync.full import FullSyncRequest, full_sync
from listbridge.sync.job import JobStart
from listbridge.sync.stats import KIND as STATS
from listbridge.sync.stats import pull_stats
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES
from listbridge.sync.unsubscribes import reconcile_unsubscribes

ORIGIN = "scheduler"
#: how often the scheduler looks for a run the daily budget interrupted
BUDGET_CHECK = timedelta(minutes=15)


def unsubscribe_interval(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.get(UNSUBSCRIBE_INTERVAL_MINUTES))


def reconcile_on_schedule(store: Store, connection_id: int) -> object:
    return reconcile_unsubscribes(JobStart(store, connection_id, ORIGIN))


def full_sync_schedule(settings: Settings) -> Calendar | None:
    schedule: Calendar = settings.get(SYNC_FULL_SCHEDULE)
    return None if schedule.frequency is Frequency.OFF else schedule


def full_sync_on_schedule(store: Store, connection_id: int) -> object:
    direction = effective_settings(store, connection_id).get(PUSH_DIRECTION)
    return full_sync(JobStart(store, connection_id, ORIGIN), FullSyncRequest(direction))


def stats_pull_schedule(settings: Settings) -> Calendar:
    at: time = settings.get(STATS_PULL_AT)
    return Calendar(Frequency.DAILY, at)


def stats_pull_on_schedule(store: Store, connection_id: int) -> object:
    return pull_stats(JobStart(store, connection_id, ORIGIN))


def budget_check(_settings: Settings) -> timedelta:
    return BUDGET_CHECK


def default_registry() -> Registry:
    registry = Registry()
    registry.register_schedule(UNSUBSCRIBES, unsubscribe_interval, reconcile_on_schedule)
    registry.register_schedule(
        FULL, full_sync_schedule, full_sync_on_schedule, setting=SYNC_FULL_SCHEDULE.key
    )
    # `stats.pull_at` always has a value, so the pull is in force from the moment the
    # connection exists: a slot missed since then (a connection made yesterday afternoon,
    # the scheduler down at 02:00) is caught up once on start, as the administrator expects
    # of a nightly job, while a connection made after tonight's slot waits for tomorrow's.
    # Naming the key keeps a changed time from counting as missed: moved at 10:00 from
    # 02:00 to 09:00 after tonight's pull ran, the next pull is tomorrow at 09:00, not now.
    registry.register_schedule(
        STATS, stats_pull_schedule, stats_pull_on_schedule, setting=STATS_PULL_AT.key
    )
    registry.register_schedule(BUDGET_RESUME, budget_check, resume_after_budget)
    return registry
