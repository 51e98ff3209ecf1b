"""`listbridge import`: bring Constant Contact contacts into the CRM without duplicates.

fetch (per scope, incremental) → plan (core.import_plan, pure) → apply (one
transaction per batch, with its checkpoint) → report (run counts, error rows,
completion e-mail). The job holds the connection's lock throughout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.cc_records import CcContact
from listbridge.core.import_plan import Plan, Policy, plan_import
from listbridge.core.matching import MatchIndex
from listbridge.core.runs import ErrorRow, RunStatus
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
from listbridge.store.db import Store
from listbridge.store.import_state import (
    advance_cursors,
    pending_contacts,
    read_cursors,
    save_progress,
)
from listbridge.store.links import load_match_index
from listbridge.store.locks import HeldLock, locked_run
from listbridge.store.runs import RunRecorder, started_by
from listbridge.store.settings import effective_settings
from listbridge.sync.cc_connection import open_client
from listbridge.sync.completion_mail import Completion, notify_completion
from listbridge.sync.import_apply import BatchTarget, apply_plan
from listbridge.sync.import_source import (
    BATCH,
    EVERY,
    Scope,
    contact_batches,
    in_scope,
    scopes_for,
    unsubscribe_scope,
    window_start,
)

KIND = "import"
COUNTS = ("attempted", "created", "matched", "not_imported")
Clock = Callable[[], datetime]
Progress = Callable[[str, Counter[str]], None]


def _now() -> datetime:
    return datetime.now(UTC)


def _quiet(_label: str, _counts: Counter[str]) -> None:
    return None


@dataclass
class ImportResult:
    run_id: int
    status: RunStatus
    counts: Counter[str]
    errors: list[ErrorRow] = field(default_factory=list)

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))


def policy_of(settings: Settings) -> Policy:
    roles: tuple[str, ...] = settings.get(IMPORT_ROLE_ADDRESSES)
    return Policy(
        ambiguous=settings.get(IMPORT_AMBIGUOUS_MATCH),
        update_fields=settings.get(IMPORT_UPDATE_FIELDS),
        cc_to_crm=settings.get(UNSUBSCRIBE_CC_TO_CRM),
        role_local_parts=frozenset(roles),
    )


def run_import(
    store: Store,
    connection_id: int,
    lists: Sequence[str] = (),
    *,
    progress: Progress = _quiet,
    clock: Clock = _now,
    origin: str = "cli",
) -> ImportResult:
    """Import the contacts of `lists` (names; empty: the `import.lists` setting)."""
    settings = effective_settings(store, connection_id)
    names = list(lists) or list(settings.get(IMPORT_LISTS).names)
    client = open_client(store, connection_id)
    try:
        scopes = _resolve_scopes(store, connection_id, client, names, clock)
        result = _locked_import(
            store, connection_id, client, scopes, settings, progress, clock, origin
        )
    finally:
        client.close()
    notify_completion(settings, _completion(result))
    return result


def _completion(result: ImportResult) -> Completion:
    counts = {k: result.count(k) for k in ("attempted", "created", "matched", "not_imported")}
    return Completion(
        "import",
        result.run_id,
        result.status.value,
        counts,
        "The contacts not imported",
        ("created", "matched", "not_imported"),
    )


def _resolve_scopes(
    store: Store, connection_id: int, client: ConstantContact, names: list[str], clock: Clock
) -> list[Scope]:
    cc_lists = [lst.to_core() for lst in client.iter_lists(status="all")]
    with store.session() as session:
        mirrored = refresh_lists(session, connection_id, cc_lists, clock())
    return scopes_for(names, mirrored)


def _locked_import(
    store: Store,
    connection_id: int,
    client: ConstantContact,
    scopes: list[Scope],
    settings: Settings,
    progress: Progress,
    clock: Clock,
    origin: str,
) -> ImportResult:
    with locked_run(store, connection_id, KIND, started_by(origin)) as (held, run):
        job = _Job(store, connection_id, client, held, run, policy_of(settings), progress, clock)
        job.execute(scopes, settings.get(IMPORT_SINCE))
    return ImportResult(run.run_id, run.outcome(), run.counts, job.errors)


def import_step(
    store: Store,
    connection_id: int,
    client: ConstantContact,
    held: HeldLock,
    run: RunRecorder,
    settings: Settings,
    progress: Progress = _quiet,
    clock: Clock = _now,
) -> ImportResult:
    """The `import.lists` import inside a lock and run someone holds (the full sync)."""
    names = list(settings.get(IMPORT_LISTS).names)
    scopes = _resolve_scopes(store, connection_id, client, names, clock)
    job = _Job(store, connection_id, client, held, run, policy_of(settings), progress, clock)
    job.execute(scopes, settings.get(IMPORT_SINCE))
    return ImportResult(run.run_id, run.outcome(), run.counts, job.errors)


@dataclass
class _Job:
    store: Store
    connection_id: int
    client: ConstantContact
    held: HeldLock
    run: RunRecorder
    policy: Policy
    progress: Progress
    clock: Clock
    errors: list[ErrorRow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def execute(self, scopes: list[Scope], since: date | None) -> None:
        # The cursor closes at the job's start: what changes while we run is fetched next time.
        started = self.clock()
        self.run.counts.update(dict.fromkeys(COUNTS, 0))
        with self.store.session() as session:
            index = load_match_index(session, self.connection_id)
            cursors = read_cursors(session, self.connection_id)
            pending = pending_contacts(session, self.connection_id)
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
        for batch in contact_batches(self.client, scope, after):
            if linked_only:
                batch = [c for c in batch if c.contact_id in index.account_of]
            self._batch(batch, index, scope.label)

    def _batch(self, contacts: list[CcContact], index: MatchIndex, label: str) -> None:
        fresh = [c for c in contacts if c.contact_id not in self.seen]
        if not fresh:
            return
        self.held.check()
        plan = plan_import(fresh, index, self.policy)
        counts = Counter(self.run.counts)
        counts.update(_tally(plan))  # not `+`, which would drop the zero counts
        target = BatchTarget(self.connection_id, self.run.run_id, self.clock())
        with self.store.session() as session:
            errors = apply_plan(session, target, plan)
            self.run.add_errors(errors, session)
            done = len(self.seen) + len(fresh)
            save_progress(session, self.run.run_id, counts, {"contacts_done": done})
        # Only once the batch is committed does the job count it as done.
        self.seen.update(c.contact_id for c in fresh)
        self.run.counts.update(_tally(plan))
        self.errors += errors
        self.progress(label, self.run.counts)

    def _finish(self, scope_keys: list[str], started: datetime, extra: Scope | None) -> None:
        cursors = [*scope_keys, *([extra.key] if extra else [])]
        with self.store.session() as session:
            advance_cursors(session, self.connection_id, cursors, started, self.run.run_id)
            synced = [k for k in scope_keys if k != EVERY]
            if EVERY in scope_keys:
                synced = [m.cc_list_id for m in mirrored_lists(session, self.connection_id)]
            mark_synced(session, self.connection_id, synced, started)


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
