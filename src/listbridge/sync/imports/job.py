"""`listbridge import`: bring Constant Contact contacts into the CRM without duplicates.

fetch (per scope, incremental: batches.py) → plan (core.import_plan, pure) → apply (one
transaction per batch, with its checkpoint) → report (run counts, error rows,
completion e-mail). The job holds the connection's lock throughout. A dry run
(dry_run.py) reads and plans the same way and stops there.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
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
    IMPORT_LINK_COMPANIES,
    IMPORT_ROLE_ADDRESSES,
    IMPORT_SINCE,
    IMPORT_UPDATE_FIELDS,
    UNSUBSCRIBE_CC_TO_CRM,
    Settings,
)
from listbridge.store.cc_lists import mark_synced, mirrored_lists, refresh_lists
from listbridge.store.import_state import advance_cursors, save_progress
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.imports.apply import BatchTarget, apply_plan
from listbridge.sync.imports.batches import cursor_keys, import_batches, read_known
from listbridge.sync.imports.source import EVERY, Scope, as_read, chosen_scopes, list_ids
from listbridge.sync.job import Job, JobContext, JobResult, JobStart, run_job

KIND = "import"
COUNTS = ("attempted", "created", "matched", "not_imported")
MAIL = Mail("import", "The contacts not imported", ("created", "matched", "not_imported"))
Progress = Callable[[str, Counter[str]], None]


def _quiet(_label: str, _counts: Counter[str]) -> None:
    return None


@dataclass
class ImportResult(JobResult):
    #: `planning_seconds` (wall time in the planner), `planning_records_per_s`
    timings: dict[str, float] = field(default_factory=dict)


def policy_of(settings: Settings) -> Policy:
    roles: tuple[str, ...] = settings.get(IMPORT_ROLE_ADDRESSES)
    return Policy(
        ambiguous=settings.get(IMPORT_AMBIGUOUS_MATCH),
        update_fields=settings.get(IMPORT_UPDATE_FIELDS),
        cc_to_crm=settings.get(UNSUBSCRIBE_CC_TO_CRM),
        role_local_parts=frozenset(roles),
        # a new Policy per run: it carries the run's organisations (core/companies.py)
        link_companies=settings.get(IMPORT_LINK_COMPANIES),
    )


@dataclass(frozen=True)
class ImportRequest:
    #: CC list names, those lists alone; empty: the `import.lists` and `import.scope` settings
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
        # an unknown list: refused before the lock
        self._scopes = resolve_scopes(ctx, self.request.lists)

    def work(self, ctx: JobContext, run: RunRecorder) -> ImportResult:
        return _imported(ctx, run, self._scopes, self.request.report)

    def completion(self, result: ImportResult) -> Completion:
        return MAIL.of(result, {k: result.count(k) for k in COUNTS})


def resolve_scopes(ctx: JobContext, chosen: Sequence[str], *, mirror: bool = True) -> list[Scope]:
    """The scopes of `--list` names, else of the settings; `mirror` False (a dry run):
    CC's lists as read, the mirror of them left as it is."""
    cc_lists = [lst.to_core() for lst in ctx.client.iter_lists(status="all")]
    if not mirror:
        return chosen_scopes(chosen, ctx.settings, as_read(cc_lists))
    with ctx.store.session() as session:
        mirrored = refresh_lists(session, ctx.connection_id, cc_lists, ctx.clock())
    return chosen_scopes(chosen, ctx.settings, mirrored)


def import_step(ctx: JobContext, run: RunRecorder) -> ImportResult:
    """The settings' import inside a lock and run someone holds (the full sync)."""
    scopes = resolve_scopes(ctx, ())
    return _imported(ctx, run, scopes, lambda message, _counts: ctx.progress(message))


def _imported(
    ctx: JobContext, run: RunRecorder, scopes: list[Scope], report: Progress
) -> ImportResult:
    job = _Job(ctx, run, policy_of(ctx.settings), report)
    job.execute(scopes, ctx.settings.get(IMPORT_SINCE))
    return ImportResult(run.run_id, run.outcome(), run.counts, job.errors, job.timings())


@dataclass
class _Job:
    ctx: JobContext
    run: RunRecorder
    policy: Policy
    #: the import's own progress: a message and the counts so far
    report: Progress
    errors: list[ErrorRow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    #: time in `plan_import` and the contacts it planned, over every batch
    planning_seconds: float = 0.0
    planned: int = 0

    def execute(self, scopes: list[Scope], since: date | None) -> None:
        # The cursor closes at the job's start: what changes while we run is fetched next time.
        started = self.ctx.clock()
        self.run.counts.update(dict.fromkeys(COUNTS, 0))
        known = read_known(self.ctx)
        for label, batch in import_batches(self.ctx.client, scopes, since, known):
            self._batch(batch, known.index, label)
        self._finish(scopes, started)

    def _batch(self, contacts: list[CcContact], index: MatchIndex, label: str) -> None:
        fresh = [c for c in contacts if c.contact_id not in self.seen]
        if not fresh:
            return
        self.ctx.check_lock()
        began = time.perf_counter()
        plan = plan_import(fresh, index, self.policy)
        self.planning_seconds += time.perf_counter() - began
        self.planned += len(fresh)
        if self.ctx.crm.read_only:
            plan = without_creates(plan)
        target = BatchTarget(self.ctx.connection_id, self.run.run_id, self.ctx.clock())
        done = len(self.seen) + len(fresh)

        def bookkeeping(session: Session, errors: list[ErrorRow]) -> None:
            # counted as written: a create the CRM refused is a skip by now
            counts = Counter(self.run.counts)
            counts.update(tally(plan))  # not `+`, which would drop the zero counts
            self.run.add_errors(errors, session)
            save_progress(session, self.run.run_id, counts, {"contacts_done": done})

        errors = apply_plan(self.ctx.crm, target, plan, bookkeeping)
        # Only once the batch is committed does the job count it as done.
        self.seen.update(c.contact_id for c in fresh)
        self.run.counts.update(tally(plan))
        self.errors += errors
        self.report(label, self.run.counts)

    def timings(self) -> dict[str, float]:
        seconds = self.planning_seconds
        rate = self.planned / seconds if seconds > 0 else 0.0
        return {"planning_seconds": round(seconds, 4), "planning_records_per_s": round(rate, 1)}

    def _finish(self, scopes: list[Scope], started: datetime) -> None:
        keys = cursor_keys(scopes)
        with self.ctx.store.session() as session:
            advance_cursors(session, self.ctx.connection_id, keys, started, self.run.run_id)
            synced = list_ids(keys)
            if EVERY in keys:
                synced = [m.cc_list_id for m in mirrored_lists(session, self.ctx.connection_id)]
            mark_synced(session, self.ctx.connection_id, synced, started)


def tally(plan: Plan) -> Counter[str]:
    return Counter(
        attempted=plan.attempted,
        created=len(plan.creates),
        matched=len(plan.links),
        not_imported=len(plan.skips),
    )
