"""`listbridge import`: bring Constant Contact contacts into the CRM without duplicates.

fetch (per scope, incremental) → plan (core.import_plan, pure) → apply (one
transaction per batch, with its checkpoint) → report (run counts, error rows,
completion e-mail). The job holds the connection's lock throughout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy.orm import Session

from listbridge.core.cc_records import CcContact
from listbridge.core.import_plan import Plan, Policy, plan_import, without_creates
from listbridge.core.matching import MatchIndex
from listbridge.core.runs import ErrorRow
from listbridge.core.settings import (
    IMPORT_AMBIGUOUS_MATCH,
    IMPORT_LISTS,
    IMPORT_ROLE_ADDRESSES,
    IMPORT_SINCE,
    IMPORT_UPDATE_FIELDS,
    UNSUBSCRIBE_CC_TO_CRM,
    Settings,
)
from listbridge.store.cc_lists import mark_synced, mirrored_lists, refresh_lists
from listbridge.store.import_state import (
    advance_cursors,
    pending_contacts,
    read_cursors,
    save_progress,
)
from listbridge.store.links import load_match_index
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.imports.apply import BatchTarget, apply_plan
from listbridge.sync.imports.source import (
    BATCH,
    EVERY,
    Scope,
    contact_batches,
    in_scope,
    scopes_for,
    unsubscribe_scope,
    window_start,
)
from listbridge.sync.job import Job, JobContext, JobResult, JobStart, run_job

KIND = "import"
COUNTS = ("attempted", "created", "matched", "not_imported")
MAIL = Mail("import", "The contacts not imported", ("created", "matched", "not_imported"))
Progress = Callable[[str, Counter[str]], None]


def _quiet(_label: str, _counts: Counter[str]) -> None:
    return None


class ImportResult(JobResult):
    pass


def policy_of(settings: Settings) -> Policy:
    roles: tuple[str, ...] = settings.get(IMPORT_ROLE_ADDRESSES)
    return Policy(
        ambiguous=settings.get(IMPORT_AMBIGUOUS_MATCH),
        update_fields=settings.get(IMPORT_UPDATE_FIELDS),
        cc_to_crm=settings.get(UNSUBSCRIBE_CC_TO_CRM),
        role_local_parts=frozenset(roles),
    )


@dataclass(frozen=True)
class ImportRequest:
    #: CC list names; empty: the `import.lists` setting
    lists: Sequence[str] = ()
    #: the import's own progress: a message and the counts so far
    report: Progress = _quiet


def run_import(start: JobStart, request: ImportRequest | None = None) -> ImportResult:
    """Import the contacts of the request's lists into the CRM."""
    return run_job(start, ImportJob(request or ImportRequest()))


@dataclass
class ImportJob(Job[ImportResult]):
    request: ImportRequest
    kind: ClassVar[str] = KIND
    _scopes: list[Scope] = field(default_factory=list)

    def prepare(self, ctx: JobContext) -> None:
        names = list(self.request.lists) or list(ctx.settings.get(IMPORT_LISTS).names)
        self._scopes = _resolve_scopes(ctx, names)  # an unknown list: refused before the lock

    def work(self, ctx: JobContext, run: RunRecorder) -> ImportResult:
        return _imported(ctx, run, self._scopes, self.request.report)

    def completion(self, result: ImportResult) -> Completion:
        return MAIL.of(result, {k: result.count(k) for k in COUNTS})


def _resolve_scopes(ctx: JobContext, names: list[str]) -> list[Scope]:
    cc_lists = [lst.to_core() for lst in ctx.client.iter_lists(status="all")]
    with ctx.store.session() as session:
        mirrored = refresh_lists(session, ctx.connection_id, cc_lists, ctx.clock())
    return scopes_for(names, mirrored)


def import_step(ctx: JobContext, run: RunRecorder) -> ImportResult:
    """The `import.lists` import inside a lock and run someone holds (the full sync)."""
    scopes = _resolve_scopes(ctx, list(ctx.settings.get(IMPORT_LISTS).names))
    return _imported(ctx, run, scopes, lambda message, _counts: ctx.progress(message))


def _imported(
    ctx: JobContext, run: RunRecorder, scopes: list[Scope], report: Progress
) -> ImportResult:
    job = _Job(ctx, run, policy_of(ctx.settings), report)
    job.execute(scopes, ctx.settings.get(IMPORT_SINCE))
    return ImportResult(run.run_id, run.outcome(), run.counts, job.errors)


@dataclass
class _Job:
    ctx: JobContext
    run: RunRecorder
    policy: Policy
    #: the import's own progress: a message and the counts so far
    report: Progress
    errors: list[ErrorRow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def execute(self, scopes: list[Scope], since: date | None) -> None:
        # The cursor closes at the job's start: what changes while we run is fetched next time.
        started = self.ctx.clock()
        self.run.counts.update(dict.fromkeys(COUNTS, 0))
        index = load_match_index(self.ctx.store, self.ctx.connection_id, self.ctx.crm.match_keys())
        with self.ctx.store.session() as session:
            cursors = read_cursors(session, self.ctx.connection_id)
            pending = pending_contacts(session, self.ctx.connection_id)
        for scope in scopes:
            self._pass(scope, window_start(scope, cursors, since), index)
        opt_outs = unsubscribe_scope(scopes)
        if opt_outs is not None:
            self._pass(opt_outs, cursors.get(opt_outs.key), index, linked_only=True)
        # Reconsidered last, so a fresher copy fetched above wins.
        for chunk in _chunks([c for c in pending if in_scope(c, scopes)]):
            self._batch(chunk, index, "contacts not imported last time")
        self._finish([s.key for s in scopes], started, opt_outs)

    def _pass(
        self, scope: Scope, after: datetime | None, index: MatchIndex, linked_only: bool = False
    ) -> None:
        for batch in contact_batches(self.ctx.client, scope, after):
            if linked_only:
                batch = [c for c in batch if c.contact_id in index.account_of]
            self._batch(batch, index, scope.label)

    def _batch(self, contacts: list[CcContact], index: MatchIndex, label: str) -> None:
        fresh = [c for c in contacts if c.contact_id not in self.seen]
        if not fresh:
            return
        self.ctx.check_lock()
        plan = plan_import(fresh, index, self.policy)
        if self.ctx.crm.read_only:
            plan = without_creates(plan)
        target = BatchTarget(self.ctx.connection_id, self.run.run_id, self.ctx.clock())
        done = len(self.seen) + len(fresh)

        def bookkeeping(session: Session, errors: list[ErrorRow]) -> None:
            # counted as written: a create the CRM refused is a skip by now
            counts = Counter(self.run.counts)
            counts.update(_tally(plan))  # not `+`, which would drop the zero counts
            self.run.add_errors(errors, session)
            save_progress(session, self.run.run_id, counts, {"contacts_done": done})

        errors = apply_plan(self.ctx.crm, target, plan, bookkeeping)
        # Only once the batch is committed does the job count it as done.
        self.seen.update(c.contact_id for c in fresh)
        self.run.counts.update(_tally(plan))
        self.errors += errors
        self.report(label, self.run.counts)

    def _finish(self, scope_keys: list[str], started: datetime, extra: Scope | None) -> None:
        cursors = [*scope_keys, *([extra.key] if extra else [])]
        with self.ctx.store.session() as session:
            advance_cursors(session, self.ctx.connection_id, cursors, started, self.run.run_id)
            synced = [k for k in scope_keys if k != EVERY]
            if EVERY in scope_keys:
                synced = [m.cc_list_id for m in mirrored_lists(session, self.ctx.connection_id)]
            mark_synced(session, self.ctx.connection_id, synced, started)


def _tally(plan: Plan) -> Counter[str]:
    return Counter(
        attempted=plan.attempted,
        created=len(plan.creates),
        matched=len(plan.links),
        not_imported=len(plan.skips),
    )


def _chunks(contacts: list[CcContact]) -> Iterator[list[CcContact]]:
    for start in range(0, len(contacts), BATCH):
        yield contacts[start : start + BATCH]
