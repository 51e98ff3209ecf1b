"""`listbridge unsubscribes sync`: keep opt-outs in step both ways (design rule 1).

read the changes since the cursors (no lock) → decide per pair (core.consent, pure) →
apply under the connection's lock, which is held only for the writes → advance the
cursors to the run's start. A pair whose write failed keeps the cursors where they
were, so the next run reads its change again: an opt-out is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from listbridge.core.consent import Action, Decision, Policy, decide
from listbridge.core.errors import GuardStopped
from listbridge.core.list_plan import Guard, unsubscribe_verdict
from listbridge.core.settings import (
    SYNC_GUARD_COUNT,
    UNSUBSCRIBE_CC_TO_CRM,
    UNSUBSCRIBE_CRM_CLEAR_RESUBSCRIBES,
    UNSUBSCRIBE_CRM_TO_CC,
    UNSUBSCRIBE_RESUBSCRIBE_CLEARS_OPT_OUT,
    Settings,
)
from listbridge.store.import_state import advance_cursors, read_cursors
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import Job, JobContext, JobResult, JobStart, run_job
from listbridge.sync.unsubscribes.apply import COUNTED, Applier
from listbridge.sync.unsubscribes.source import KIND, Changes, gather

#: cursors kept beside the import's (its table holds one per scope key)
CC_CURSOR = "~unsubscribes.cc"
CRM_CURSOR = "~unsubscribes.crm"


@dataclass
class UnsubscribeResult(JobResult):
    decisions: list[Decision] = field(default_factory=list)


def policy_of(settings: Settings) -> Policy:
    return Policy(
        cc_to_crm=settings.get(UNSUBSCRIBE_CC_TO_CRM),
        resubscribe_clears_opt_out=settings.get(UNSUBSCRIBE_RESUBSCRIBE_CLEARS_OPT_OUT),
        crm_to_cc=settings.get(UNSUBSCRIBE_CRM_TO_CC),
        crm_clear_resubscribes=settings.get(UNSUBSCRIBE_CRM_CLEAR_RESUBSCRIBES),
    )


def reconcile_unsubscribes(start: JobStart, *, confirm: bool = False) -> UnsubscribeResult:
    """One reconciliation; LockHeldError (and no run) when another job holds the lock,
    GuardStopped (and no run) when it would unsubscribe more than sync.guard_count."""
    return run_job(start, UnsubscribeJob(confirm))


@dataclass
class UnsubscribeJob(Job[UnsubscribeResult]):
    """Gathers before the lock (the guard refuses without a run), applies inside it."""

    confirm: bool
    kind: ClassVar[str] = KIND
    _gathered: tuple[Reconciliation, Changes] | None = None

    def prepare(self, ctx: JobContext) -> None:
        step = Reconciliation(ctx)
        self._gathered = step, step.gather(self.confirm)

    def work(self, ctx: JobContext, run: RunRecorder) -> UnsubscribeResult:
        assert self._gathered is not None, "prepare() gathers first"
        step, changes = self._gathered
        return Reconciliation(ctx, step.started).apply(changes, run)


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
