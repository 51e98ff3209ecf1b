"""`listbridge sync full`: every job in the right order, under one lock, as one run.

Order: the unsubscribe reconciliation first (consent before anything is added), then the
import (CC → CRM) and a reconciliation of the pairs it linked, the push (CRM → CC), and
the list sync. The direction leaves out the
job that would write the other way (`crm_to_cc`: no import; `cc_to_crm`: no push).
The blast-radius guard looks at the whole run before anything is written: the
unsubscribes it would make and each list's removals (planned on the state before the
import and push). A list whose removals grow past the guard because of the import or
push still stops at its own step, and the run reports it.
Each step keeps its own counts (`import.created`, `push.created`, …) in the one run;
every step's error rows land in that run's report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import ClassVar, TypeVar

from listbridge.core.errors import GuardStopped
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.core.setting_values import Direction
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.imports import import_step
from listbridge.sync.job import Job, JobContext, JobStart, run_job
from listbridge.sync.lists import ListSyncRequest, finish, sync_in
from listbridge.sync.push import PushRequest, push
from listbridge.sync.unsubscribes import Reconciliation

KIND = "full"
HEADLINE = ("import.created", "push.created", "lists.added_to_cc", "lists.removed_from_cc")
MAIL = Mail("full sync", "Every record a step did not sync", HEADLINE)
STEPS = ("unsubscribes", "import", "consent_after_import", "push", "lists")
T = TypeVar("T")


@dataclass(frozen=True)
class FullSyncRequest:
    direction: Direction = Direction.BOTH
    confirm: bool = False


@dataclass
class FullSyncResult:
    run_id: int
    status: RunStatus
    direction: str
    steps: dict[str, Counter[str]] = field(default_factory=dict)
    errors: list[ErrorRow] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        """Every step's counts, named `step.count`."""
        found: Counter[str] = Counter()
        for step, counts in self.steps.items():
            found.update({f"{step}.{key}": value for key, value in counts.items()})
        return found


def full_sync(start: JobStart, request: FullSyncRequest) -> FullSyncResult:
    return run_job(start, FullSyncJob(request))


@dataclass(frozen=True)
class FullSyncJob(Job[FullSyncResult]):
    request: FullSyncRequest
    kind: ClassVar[str] = KIND

    def work(self, ctx: JobContext, run: RunRecorder) -> FullSyncResult:
        return _run_all(ctx, run, self.request)

    def completion(self, result: FullSyncResult) -> Completion:
        counts = result.counts()
        headline = tuple(h for h in HEADLINE if h in counts)
        return replace(MAIL, headline=headline).of(result, dict(counts))


def _run_all(ctx: JobContext, run: RunRecorder, request: FullSyncRequest) -> FullSyncResult:
    result = FullSyncResult(run.run_id, RunStatus.SUCCEEDED, request.direction.value)
    reconcile = Reconciliation(ctx)
    wanted = ListSyncRequest((), request.direction, request.confirm)
    changes = _guarded(run, lambda: reconcile.gather(request.confirm))
    _guarded(run, lambda: _lists_guard(ctx, wanted))
    step = _Stepper(ctx, run, result)
    step("unsubscribes", lambda r: reconcile.apply(changes, r).errors)
    if request.direction.writes_crm:
        step("import", lambda r: import_step(ctx, r).errors)
        # Pairs the import just linked: an opt-out the CRM held before the link reaches
        # CC in this run, not the next. Unguarded: it only carries opt-outs already made.
        again = Reconciliation(ctx)
        step("consent_after_import", lambda r: again.apply(again.gather(confirm=True), r).errors)
    if request.direction.writes_cc:
        step("push", lambda r: push(ctx, PushRequest(), r).errors)
    step("lists", lambda r: _lists_step(ctx, wanted, r))
    run.counts.update(result.counts())
    run.status = RunStatus.PARTIAL if result.errors else RunStatus.SUCCEEDED
    result.status = run.outcome()
    return result


def _guarded(run: RunRecorder, check: Callable[[], T]) -> T:
    try:
        return check()
    except GuardStopped as stopped:
        run.status, run.message = RunStatus.FAILED, str(stopped)
        raise


@dataclass(frozen=True)
class _Stepper:
    """One step with its own counts; its error rows go to the one run."""

    ctx: JobContext
    run: RunRecorder
    result: FullSyncResult

    def __call__(self, name: str, work: Callable[[RunRecorder], list[ErrorRow]]) -> None:
        self.ctx.progress(f"full sync: {name}")
        step = RunRecorder(self.ctx.store, self.run.run_id)
        errors = work(step)
        self.ctx.check_lock()
        self.result.steps[name] = Counter(step.counts)
        self.result.errors += errors
        self.run.errors_added += step.errors_added


def _lists_guard(ctx: JobContext, request: ListSyncRequest) -> None:
    if request.confirm:
        return
    preview = sync_in(ctx, request, None)
    if preview.stopped:
        raise GuardStopped(f"stopped before writing anything: {preview.stopped}")


def _lists_step(ctx: JobContext, request: ListSyncRequest, run: RunRecorder) -> list[ErrorRow]:
    """Conflicts resolved by the rule are in the report but are not errors."""
    done = sync_in(ctx, request, run)
    finish(run, done)
    if done.stopped:
        stopped = ErrorRow(f"the list sync stopped before writing: {done.stopped}")
        run.add_errors([stopped])
        return [stopped]
    return [e for e in done.errors if e not in done.notes]
