"""`runs undo RUN_ID`: a job like the others, under the connection's lock and in a run of
kind `undo` (so `runs ls` shows it and a second sync waits). `prepare` plans and refuses
(sync/undo/plan.py); `work` applies the CRM half, then the Constant Contact half, and
records what it did not revert as error rows with their reasons.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from listbridge.core.journal import Side
from listbridge.core.runs import ErrorRow
from listbridge.core.undo_plan import UndoPlan
from listbridge.store.runs import RunRecorder
from listbridge.store.undo_reads import UNDO_KIND, undo_message
from listbridge.sync.job import Job, JobContext, JobResult, JobStart, job_context, run_job
from listbridge.sync.undo.cc_side import undo_cc
from listbridge.sync.undo.crm_side import undo_crm
from listbridge.sync.undo.plan import Planned, UndoRequest, plan_for

COUNTS = (
    "crm_fields_restored",
    "crm_accounts_removed",
    "cc_fields_restored",
    "cc_memberships_removed",
    "cc_memberships_restored",
    "not_reverted",
)


class UndoJob(Job[JobResult]):
    kind: ClassVar[str] = UNDO_KIND

    def __init__(self, request: UndoRequest) -> None:
        self.request = request
        self.planned: Planned | None = None

    def prepare(self, ctx: JobContext) -> None:
        self.planned = plan_for(ctx, self.request)

    def work(self, ctx: JobContext, run: RunRecorder) -> JobResult:
        assert self.planned is not None, "prepare plans the undo"
        plan, undone = self.planned.plan, self.planned.run.run_id
        reason = undo_message(undone)
        counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))
        errors = _not_reverted(plan)
        errors += undo_crm(ctx, plan, undone, run.run_id, counts)
        errors += undo_cc(ctx, plan, run.run_id, reason, counts)
        counts["not_reverted"] = len(errors)
        run.add_errors(errors)
        run.counts.update(counts)
        run.message = reason
        return JobResult(run.run_id, run.outcome(), counts, errors)


def _not_reverted(plan: UndoPlan) -> list[ErrorRow]:
    rows = []
    for item in plan.not_reverted:
        crm = item.side is Side.CRM
        rows.append(ErrorRow(item.reason, item.record_id if crm else "",
                             "" if crm else item.record_id, field=item.field))  # fmt: skip
    return rows


def preview_undo(start: JobStart, request: UndoRequest) -> Planned:
    """The plan without the lock or a run: what `runs undo` asks to confirm."""
    with job_context(start) as ctx:
        return plan_for(ctx, request)


def run_undo(start: JobStart, request: UndoRequest) -> JobResult:
    return run_job(start, UndoJob(request))
