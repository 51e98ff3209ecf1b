"""What the home page shows of a connection: what `listbridge status --offline` computes
(store/health.py, sync/health.py, the scheduler's slots), plus its latest failed runs.

A page load makes no call to Constant Contact: the token state is the stored one, as
`status --offline` shows it (a job, or `listbridge status`, refreshes it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from listbridge.core.runs import RunStatus
from listbridge.runner.registry import Registry
from listbridge.runner.scheduler import Scheduler
from listbridge.store.db import Store
from listbridge.store.health import ConnectionStatus, connection_status
from listbridge.store.runs import RunRecord, list_runs
from listbridge.store.schedule_state import sync_enabled
from listbridge.store.secretbox import secret_box
from listbridge.sync.health import reconnect_hint

FAILED = frozenset({RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.PARTIAL})
#: how far back the home page looks for failures (runs, newest first)
RECENT_RUNS = 50


@dataclass(frozen=True)
class NextRun:
    job: str
    when: str
    next_at: str


@dataclass(frozen=True)
class Health:
    status: ConnectionStatus
    sync_enabled: bool
    #: None: the schedules are not known to this server (no scheduler registry given)
    next_runs: list[NextRun] | None
    failures: list[RunRecord]


def connection_health(store: Store, connection_id: int, schedules: Registry | None) -> Health:
    box, now = secret_box(store), datetime.now(UTC)
    shown = connection_status(store, connection_id, box, now, store.config.idle_policy)
    shown = replace(shown, reconnect_command=reconnect_hint(store, connection_id, box))
    enabled = sync_enabled(store, connection_id)
    runs = _next_runs(store, connection_id, schedules) if enabled else []
    recent = list_runs(store, connection_id, limit=RECENT_RUNS)
    failures = [run for run in recent if run.status in FAILED][:5]
    return Health(shown, enabled, runs, failures)


def _next_runs(
    store: Store, connection_id: int, schedules: Registry | None
) -> list[NextRun] | None:
    """As `status` lists them: the slots a scheduler started now would plan."""
    if schedules is None:
        return None
    slots = Scheduler(store, schedules).slots()
    return [
        NextRun(s.schedule.name, s.when, s.first.isoformat(timespec="minutes"))
        for s in slots
        if s.connection_id == connection_id
    ]
