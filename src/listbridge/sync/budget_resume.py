"""Runs the daily API budget interrupted, started again once the budget has reset.

A job that runs out of today's budget stops cleanly (its run `interrupted`, its batches
checkpointed). The scheduler asks every quarter hour: is the newest sync run of the
connection such a run, and are calls left now? Then the same kind of job runs again and
resumes from its checkpoints. What is re-run is the job as the schedule would run it (the
settings' lists and direction): a `push --list X` started by hand is resumed as a plain
push, so the message of its run tells the administrator to finish it by hand.

The campaign statistics pull is a track of its own (FAMILIES): it reads reports, not
contacts, so a later sync does not finish an interrupted pull, nor a later pull an
interrupted sync. A nightly pull that finds today's budget spent by an interrupted push
is itself interrupted; both are resumed after the reset, the sync first, one a check.
"""

from __future__ import annotations

from collections.abc import Callable

from listbridge.core.ratelimit import BUDGET_WORDS
from listbridge.core.runs import RunStatus
from listbridge.core.setting_values import Direction
from listbridge.core.settings import PUSH_DIRECTION
from listbridge.store.budget import budget_today
from listbridge.store.db import Store
from listbridge.store.runs import RunRecord, list_runs
from listbridge.store.settings import effective_settings
from listbridge.sync.full import FullSyncRequest, full_sync
from listbridge.sync.imports.job import run_import
from listbridge.sync.job import JobStart
from listbridge.sync.lists.sync import ListSyncRequest, sync_lists
from listbridge.sync.push.job import PushRequest, run_push
from listbridge.sync.stats import KIND as STATS
from listbridge.sync.stats import pull_stats

KIND = "budget_resume"
ORIGIN = "scheduler"


def _direction(store: Store, connection_id: int) -> Direction:
    direction: Direction = effective_settings(store, connection_id).get(PUSH_DIRECTION)
    return direction


def _start(store: Store, connection_id: int) -> JobStart:
    return JobStart(store, connection_id, ORIGIN)


RERUN: dict[str, Callable[[Store, int], object]] = {
    "import": lambda s, c: run_import(_start(s, c)),
    "push": lambda s, c: run_push(_start(s, c), PushRequest()),
    "lists": lambda s, c: sync_lists(_start(s, c), ListSyncRequest(direction=_direction(s, c))),
    "full": lambda s, c: full_sync(_start(s, c), FullSyncRequest(direction=_direction(s, c))),
    STATS: lambda s, c: pull_stats(_start(s, c)),
}
#: in each family the newest run speaks for all: a push after an interrupted import
#: means the administrator moved on; the families are looked at in this order
FAMILIES: tuple[tuple[str, ...], ...] = (("import", "push", "lists", "full"), (STATS,))


def _newest(store: Store, connection_id: int, kinds: tuple[str, ...]) -> RunRecord | None:
    found = [run for kind in kinds for run in list_runs(store, connection_id, limit=1, kind=kind)]
    return max(found, key=lambda run: run.run_id, default=None)


def interrupted_by_budget(store: Store, connection_id: int) -> str | None:
    """The kind of the first family's newest run the budget interrupted, else None."""
    for kinds in FAMILIES:
        run = _newest(store, connection_id, kinds)
        if run is not None and run.status is RunStatus.INTERRUPTED and BUDGET_WORDS in run.message:
            return run.kind
    return None


def resume_after_budget(store: Store, connection_id: int) -> str | None:
    """Re-run the interrupted job when calls are left; returns its kind (None: nothing)."""
    kind = interrupted_by_budget(store, connection_id)
    if kind is None:
        return None
    _used, left = budget_today(store, connection_id)
    if left <= 0:
        return None
    RERUN[kind](store, connection_id)
    return kind
