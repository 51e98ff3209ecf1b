"""Every job's schedule, registered in one place (the scheduler itself knows no job).

The nightly statistics pull (`stats.pull_at`) registers here when it exists.
"""

from __future__ import annotations

from datetime import timedelta

from listbridge.core.setting_values import Frequency
from listbridge.core.setting_values import Schedule as Calendar
from listbridge.core.settings import (
    PUSH_DIRECTION,
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


def budget_check(_settings: Settings) -> timedelta:
    return BUDGET_CHECK


def default_registry() -> Registry:
    registry = Registry()
    registry.register_schedule(UNSUBSCRIBES, unsubscribe_interval, reconcile_on_schedule)
    registry.register_schedule(
        FULL, full_sync_schedule, full_sync_on_schedule, setting=SYNC_FULL_SCHEDULE.key
    )
    registry.register_schedule(BUDGET_RESUME, budget_check, resume_after_budget)
    return registry
