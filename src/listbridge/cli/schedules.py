"""Every job's schedule, registered in one place (the scheduler itself knows no job).

The full sync (`sync.full_schedule`) registers here once the full sync exists; the
nightly statistics pull (`stats.pull_at`) likewise.
"""

from __future__ import annotations

from datetime import timedelta

from listbridge.core.settings import UNSUBSCRIBE_INTERVAL_MINUTES, Settings
from listbridge.runner.registry import Registry
from listbridge.store.db import Store
from listbridge.sync.unsubscribes import reconcile_unsubscribes
from listbridge.sync.unsubscribes_source import KIND as UNSUBSCRIBES


def unsubscribe_interval(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.get(UNSUBSCRIBE_INTERVAL_MINUTES))


def reconcile_on_schedule(store: Store, connection_id: int) -> object:
    return reconcile_unsubscribes(store, connection_id, origin="scheduler")


def default_registry() -> Registry:
    registry = Registry()
    registry.register_schedule(UNSUBSCRIBES, unsubscribe_interval, reconcile_on_schedule)
    return registry
