"""`listbridge unsubscribes sync`: keep opt-outs in step both ways (design rule 1).

read the changes since the cursors (no lock) → decide per pair (core.consent, pure) →
apply under the connection's lock, which is held only for the writes → advance the
cursors to the run's start. A pair whose write failed keeps the cursors where they
were, so the next run reads its change again: an opt-out is never lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from listbridge.core.consent import Action, Decision, Policy, decide
from listbridge.core.errors import GuardStopped
from listbridge.core.list_plan import Guard, unsubscribe_verdict
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.core.settings import (
    SYNC_GUARD_COUNT,
    UNSUBSCRIBE_CC_TO_CRM,
    UNSUBSCRIBE_CRM_CLEAR_RESUBSCRIBES,
    UNSUBSCRIBE_CRM_TO_CC,
    UNSUBSCRIBE_RESUBSCRIBE_CLEARS_OPT_OUT,
    Settings,
)
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.db import Store
from listbridge.store.import_state import advance_cursors, read_cursors
from listbridge.store.locks import locked_run
from listbridge.store.runs import RunRecorder, started_by
from listbridge.sync.job import JobContext, job_context, utc_now
from listbridge.sync.unsubscribes.apply import COUNTED, Applier
from listbridge.sync.unsubscribes.source import KIND, Changes, gather

#: cursors kept beside the import's (its table holds one per scope key)
CC_CURSOR = "~unsubscribes.cc"
CRM_CURSOR = "~unsubscribes.crm"
Clock = Callable[[], datetime]


@dataclass
class UnsubscribeResult:
    run_id: int
    status: RunStatus
    counts: Counter[str]
    errors: list[ErrorRow] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))


def policy_of(settings: Settings) -> Policy:
    return Policy(
        cc_to_crm=settings.get(UNSUBSCRIBE_CC_TO_CRM),
        resubscribe_clears_opt_out=settings.get(UNSUBSCRIBE_RESUBSCRIBE_CLEARS_OPT_OUT),
        crm_to_cc=settings.get(UNSUBSCRIBE_CRM_TO_CC),
        crm_clear_resubscribes=settings.get(UNSUBSCRIBE_CRM_CLEAR_RESUBSCRIBES),
    )


def reconcile_unsubscribes(
    store: Store,
    connection_id: int,
    *,
    crm: CrmWithLists | None = None,
    clock: Clock = utc_now,
    origin: str = "cli",
    confirm: bool = False,
) -> UnsubscribeResult:
    """One reconciliation; LockHeldError (and no run) when another job holds the lock,
    GuardStopped (and no run) when it would unsubscribe more than sync.guard_count."""
    with job_context(store, connection_id, clock=clock) as ctx:
        step = Reconciliation(ctx if crm is None else replace(ctx, crm=crm))
        changes = step.gather(confirm)
        with locked_run(store, connection_id, KIND, started_by(origin)) as (_held, run):
            return step.apply(changes, run)


@dataclass
class Reconciliation:
    """Gather (no lock needed) then apply inside a lock and run someone holds."""

    ctx: JobContext
    started: datetime | None = None  # where the cursors close: set when gathering starts

    def gather(self, confirm: bool) -> Changes:
        ctx = self.ctx
        self.started = ctx.clock()
        with ctx.store.session() as session:
            cursors = read_cursors(session, ctx.connection_id)
        window = (cursors.get(CC_CURSOR), cursors.get(CRM_CURSOR))
        changes = gather(ctx.store, ctx.connection_id, ctx.client, ctx.crm, window)
        if not confirm:
            policy = policy_of(ctx.settings)
            out = sum(decide(p, policy).action is Action.UNSUBSCRIBE_CC for p in changes.pairs)
            guard = Guard(count=ctx.settings.get(SYNC_GUARD_COUNT))
            verdict = unsubscribe_verdict(out, guard)
            if verdict is not None:
                raise GuardStopped(f"stopped before writing anything: {verdict}")
        return changes

    def apply(self, changes: Changes, run: RunRecorder) -> UnsubscribeResult:
        ctx = self.ctx
        applier = Applier(ctx.store, ctx.connection_id, ctx.client, ctx.crm,
                          policy_of(ctx.settings), run.run_id, ctx.clock)  # fmt: skip
        _apply(applier, run, changes, self.started or ctx.clock())
        return UnsubscribeResult(
            run.run_id, run.outcome(), run.counts, applier.errors, applier.decisions
        )


def _apply(applier: Applier, run: RunRecorder, changes: Changes, started: datetime) -> None:
    run.counts.update(dict.fromkeys(COUNTED.values(), 0))
    applier.apply(changes)
    run.counts.update(applier.counts)
    run.add_errors(applier.errors)
    if applier.failed:
        return  # the cursors stay: the next run reads the failed pairs' changes again
    with applier.store.session() as session:
        keys = (CC_CURSOR, CRM_CURSOR)
        advance_cursors(session, applier.connection_id, keys, started, run.run_id)
