"""`listbridge sync full --dry-run`: what each step of a full sync would do now, written nowhere.

Each step is shown by its own dry run, on the state as it is now (one step's preview does
not see what the steps before it would have done, since none of them is done):
- unsubscribes: the changed pairs gathered as the run gathers them, and the decision
  `core.consent` makes for each; nothing applied, no cursor moved;
- import: the import's dry run (sync/imports/dry_run.py), when the direction writes the CRM;
- push: the push's dry run (`push --dry-run`: its plan and API cost), when it writes CC;
- lists: the list sync's preview (`lists sync --dry-run`).
The consent pass after the import is not previewed: it acts on the pairs the import links.
Where the run's blast-radius guard would stop it, `stopped` says so (the run would write
nothing); the preview still shows every step. No lock is taken and no run recorded; the
one thing stored is the list sync's cache of CC's lists (sync/lists/refresh.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from listbridge.core.consent import Decision, plan_consent
from listbridge.core.errors import GuardStopped
from listbridge.sync.full import FullSyncRequest
from listbridge.sync.imports import ImportPreview, ImportRequest, preview_in
from listbridge.sync.job import JobContext, JobStart, job_context
from listbridge.sync.lists import ListSyncRequest, ListSyncResult, sync_in
from listbridge.sync.push import PushRequest, PushResult, run_push
from listbridge.sync.unsubscribes import Reconciliation
from listbridge.sync.unsubscribes.apply import COUNTED
from listbridge.sync.unsubscribes.job import policy_of


@dataclass
class ConsentPreview:
    """The decisions the unsubscribe reconciliation would act on or report."""

    decisions: list[Decision] = field(default_factory=list)
    stopped: str = ""  # the guard's verdict when it would stop the run

    def counts(self) -> Counter[str]:
        found: Counter[str] = Counter(dict.fromkeys(COUNTED.values(), 0))
        found.update(COUNTED[d.action] for d in self.decisions)
        return found


@dataclass
class FullSyncPreview:
    direction: str
    unsubscribes: ConsentPreview
    lists: ListSyncResult
    #: None: the direction leaves the step out
    imported: ImportPreview | None = None
    pushed: PushResult | None = None

    @property
    def stopped(self) -> str:
        """Why the run would stop before writing anything ("" when it would go ahead)."""
        return "; ".join(s for s in (self.unsubscribes.stopped, self.lists.stopped) if s)


def preview_full_sync(start: JobStart, request: FullSyncRequest) -> FullSyncPreview:
    """What `full_sync(start, request)` would do, step by step; nothing is written."""
    with job_context(start) as ctx:
        consent = _consent(ctx, request.confirm)
        imported = None
        if request.direction.writes_crm:
            imported = preview_in(ctx, ImportRequest(report=lambda label, _: ctx.progress(label)))
        pushed = None
        if request.direction.writes_cc:
            pushed = run_push(start, PushRequest(dry_run=True))  # `push --dry-run` itself
        lists = sync_in(ctx, ListSyncRequest((), request.direction, request.confirm, True), None)
    return FullSyncPreview(request.direction.value, consent, lists, imported, pushed)


def _consent(ctx: JobContext, confirm: bool) -> ConsentPreview:
    step = Reconciliation(ctx)
    stopped = ""
    try:
        changes = step.gather(confirm)
    except GuardStopped as guard:
        # The run would stop here; the decisions are still what the user wants to see.
        stopped, changes = str(guard), step.gather(confirm=True)
    return ConsentPreview(plan_consent(changes.pairs, policy_of(ctx.settings)), stopped)
