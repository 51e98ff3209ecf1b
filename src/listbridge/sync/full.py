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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.errors import GuardStopped
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.core.setting_values import Direction
from listbridge.core.settings import Settings
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.db import Store
from listbridge.store.locks import HeldLock, locked_run
from listbridge.store.runs import RunRecorder, started_by
from listbridge.store.settings import effective_settings
from listbridge.sync.cc_connection import open_client
from listbridge.sync.completion_mail import Completion, notify_completion
from listbridge.sync.importer import import_step
from listbridge.sync.list_sync import ListJob, ListSyncRequest, finish
from listbridge.sync.push import PushJob, PushRequest
from listbridge.sync.unsubscribes import Reconciliation

KIND = "full"
STEPS = ("unsubscribes", "import", "consent_after_import", "push", "lists")
Progress = Callable[[str], None]
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def _quiet(_message: str) -> None:
    return None


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


def full_sync(
    store: Store,
    connection_id: int,
    request: FullSyncRequest,
    *,
    progress: Progress = _quiet,
    clock: Callable[[], datetime] = _now,
    origin: str = "cli",
) -> FullSyncResult:
    settings = effective_settings(store, connection_id)
    client = open_client(store, connection_id)
    try:
        with locked_run(store, connection_id, KIND, started_by(origin)) as (held, run):
            steps = _Steps(store, connection_id, client, settings, held, run, progress, clock)
            result = steps.run_all(request)
    finally:
        client.close()
    notify_completion(settings, _completion(result))
    return result


@dataclass
class _Steps:
    store: Store
    connection_id: int
    client: ConstantContact
    settings: Settings
    held: HeldLock
    run: RunRecorder
    progress: Progress
    clock: Callable[[], datetime]

    def run_all(self, request: FullSyncRequest) -> FullSyncResult:
        result = FullSyncResult(self.run.run_id, RunStatus.SUCCEEDED, request.direction.value)
        store, cid, client = self.store, self.connection_id, self.client
        crm = BuiltinCrm(store, cid, self.clock)
        reconcile = Reconciliation(store, cid, client, crm, self.settings, self.clock)
        lists = ListJob(store, cid, client, self.settings, self.progress, self.clock,
                        self.held.check)  # fmt: skip
        wanted = ListSyncRequest((), request.direction, request.confirm)
        changes = self._guarded(lambda: reconcile.gather(request.confirm))
        self._guarded(lambda: _lists_guard(lists, wanted))
        self._step(result, "unsubscribes", lambda r: reconcile.apply(changes, r).errors)
        if request.direction.writes_crm:
            held, settings = self.held, self.settings
            self._step(result, "import", lambda r: import_step(
                store, cid, client, held, r, settings, clock=self.clock).errors)  # fmt: skip
            # Pairs the import just linked: an opt-out the CRM held before the link reaches
            # CC in this run, not the next. Unguarded: it only carries opt-outs already made.
            again = Reconciliation(store, cid, client, crm, self.settings, self.clock)
            self._step(result, "consent_after_import",
                       lambda r: again.apply(again.gather(confirm=True), r).errors)  # fmt: skip
        if request.direction.writes_cc:
            push = PushJob(store, cid, client, self.settings, self.progress, self.clock,
                           self.held.check)  # fmt: skip
            self._step(result, "push", lambda r: push.push(PushRequest(), r).errors)
        self._step(result, "lists", lambda r: _lists_step(lists, wanted, r))
        self.run.counts.update(result.counts())
        self.run.status = RunStatus.PARTIAL if result.errors else RunStatus.SUCCEEDED
        result.status = self.run.outcome()
        return result

    def _guarded(self, check: Callable[[], T]) -> T:
        try:
            return check()
        except GuardStopped as stopped:
            self.run.status, self.run.message = RunStatus.FAILED, str(stopped)
            raise

    def _step(
        self, result: FullSyncResult, name: str, work: Callable[[RunRecorder], list[ErrorRow]]
    ) -> None:
        """One step with its own counts; its error rows go to the one run."""
        self.progress(f"full sync: {name}")
        step = RunRecorder(self.store, self.run.run_id)
        errors = work(step)
        self.held.check()
        result.steps[name] = Counter(step.counts)
        result.errors += errors
        self.run.errors_added += step.errors_added


def _lists_guard(job: ListJob, request: ListSyncRequest) -> None:
    if request.confirm:
        return
    preview = job.sync(request, None)
    if preview.stopped:
        raise GuardStopped(f"stopped before writing anything: {preview.stopped}")


def _lists_step(job: ListJob, request: ListSyncRequest, run: RunRecorder) -> list[ErrorRow]:
    """Conflicts resolved by the rule are in the report but are not errors."""
    done = job.sync(request, run)
    finish(run, done)
    if done.stopped:
        stopped = ErrorRow(f"the list sync stopped before writing: {done.stopped}")
        run.add_errors([stopped])
        return [stopped]
    return [e for e in done.errors if e not in done.notes]


def _completion(result: FullSyncResult) -> Completion:
    counts = result.counts()
    headline = ("import.created", "push.created", "lists.added_to_cc", "lists.removed_from_cc")
    return Completion(
        "full sync",
        result.run_id,
        result.status.value,
        dict(counts),
        "Every record a step did not sync",
        tuple(h for h in headline if h in counts),
    )
