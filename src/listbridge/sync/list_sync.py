"""`listbridge lists sync`: linked lists kept the same on both sides, in the chosen direction.

refresh (CC's lists, and the memberships of contacts changed since the last list job) →
sides (per list: the CRM list or its rule, the CC members through the links, the bases) →
plan (`core.list_plan`, pure; names by `core.list_names`) → guard (every list checked
before anything is written) → apply (CC additions go through the push, so new accounts
are created or matched exactly as a push does; removals in bulk activities of ≤ 500 ids;
CRM writes journaled) → record (bases, counts, error rows, in the run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.errors import GuardStopped, UserError
from listbridge.core.list_names import ListNames, plan_list_names
from listbridge.core.list_plan import Guard, MembershipSides, guard_verdict
from listbridge.core.list_plan import plan_list_sync as plan_members
from listbridge.core.runs import RunStatus
from listbridge.core.setting_values import Direction
from listbridge.core.settings import SYNC_GUARD_COUNT, SYNC_GUARD_PERCENT, Settings
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.db import Store
from listbridge.store.link_lists import link_memberships
from listbridge.store.list_sync_state import ListPair, list_pairs, pair_named, read_bases
from listbridge.store.locks import locked_run
from listbridge.store.runs import RunRecorder, started_by
from listbridge.store.settings import effective_settings
from listbridge.sync.cc_connection import open_client
from listbridge.sync.completion_mail import Completion, notify_completion
from listbridge.sync.list_apply import ListApplier, Planned
from listbridge.sync.list_refresh import refresh_from_cc, save_refreshed
from listbridge.sync.list_result import COUNTS, ListOutcome, ListSyncResult
from listbridge.sync.list_sides import Audience
from listbridge.sync.list_writes import ListWriter

KIND = "lists"


def _now() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class ListSyncRequest:
    names: Sequence[str] = ()
    direction: Direction = Direction.BOTH
    confirm: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class ListJob:
    """A list sync inside a lock and run someone holds (`lists sync`, or `sync full`)."""

    store: Store
    connection_id: int
    client: ConstantContact
    settings: Settings
    progress: Callable[[str], None]
    clock: Callable[[], datetime]
    check_lock: Callable[[], None]

    @property
    def writer(self) -> ListWriter:
        return ListWriter(self.store, self.connection_id, self.client, self.settings,
                          self.progress, self.clock, self.check_lock)  # fmt: skip

    def sync(self, request: ListSyncRequest, run: RunRecorder | None) -> ListSyncResult:
        """`run` None: a dry run (nothing written, no run recorded)."""
        run_id = run.run_id if run else None
        refreshed = refresh_from_cc(self.store, self.connection_id, self.client, self.clock)
        self.progress(f"{refreshed.contacts_read} contacts changed in Constant Contact")
        crm = BuiltinCrm(self.store, self.connection_id, self.clock)
        with self.store.session() as session:
            audience = Audience(crm, link_memberships(session, self.connection_id), refreshed)
            pairs = _chosen(list_pairs(session, self.connection_id), request.names)
        result = ListSyncResult(run_id or 0, RunStatus.SUCCEEDED, request.direction.value)
        result.dry_run = run is None
        applier = ListApplier(self, audience, run, result)
        planned = [p for pair in pairs if (p := self._plan(pair, audience, request, applier))]
        verdicts = [v for p in planned if (v := self._verdict(p))]
        if (verdicts and not request.confirm) or run is None:
            result.stopped = "; ".join(verdicts) if not request.confirm else ""
            for p in planned:
                applier.preview(p)
                p.outcome.note = self._verdict(p) or ""
            result.lists += [p.outcome for p in planned]
            return result
        save_refreshed(self.store, self.connection_id, refreshed, run.run_id)
        for p in planned:
            applier.apply(p)
        result.lists += [p.outcome for p in planned]
        return result

    def _plan(
        self, pair: ListPair, audience: Audience, request: ListSyncRequest, applier: ListApplier
    ) -> Planned | None:
        outcome = ListOutcome(pair.name, pair.cc_list_id, request.direction.value)
        pair, to_pair = applier.paired(pair, request.direction, outcome)
        if outcome.note:
            applier.result.lists.append(outcome)
            return None
        crm_name = pair.name if to_pair else pair.crm_name  # to pair: made with CC's name
        names = plan_list_names(
            ListNames(None if pair.deleted else pair.name, crm_name, pair.synced_name),
            request.direction,
        )
        if pair.deleted or names.delete_cc or names.delete_crm:
            return Planned(pair, names, None, frozenset(), outcome)
        with self.store.session() as session:
            bases = read_bases(session, self.connection_id, pair.cc_list_id)
        synced = pair.last_sync is not None
        sides = MembershipSides(
            crm=audience.crm_members(pair),
            cc=audience.cc_members(pair.cc_list_id),
            base_crm=bases[0] if synced else None,
            base_cc=bases[1] if synced else None,
            unsubscribed=audience.opted_out,
            deleted_in_cc=frozenset(audience.refreshed.deleted),
            bound=bool(pair.rule_kind),
        )
        plan = plan_members(sides, request.direction)
        paired = audience.paired_members(pair) if pair.rule_kind else sides.crm
        return Planned(pair, names, plan, paired, outcome, bases, to_pair)

    def _verdict(self, planned: Planned) -> str | None:
        if planned.plan is None:
            return None
        guard = Guard(self.settings.get(SYNC_GUARD_PERCENT), self.settings.get(SYNC_GUARD_COUNT))
        return guard_verdict(planned.plan, planned.pair.name, guard, planned.paired)


def _chosen(pairs: list[ListPair], names: Sequence[str]) -> list[ListPair]:
    """The named lists (each must exist in CC), else every list CC has or we still pair."""
    if not names:
        return [p for p in pairs if not p.deleted or p.crm_list_id is not None]
    chosen = []
    for name in names:
        pair = pair_named(pairs, name)
        if pair is None:
            known = ", ".join(p.name for p in pairs if not p.deleted) or "none"
            raise UserError(f"no Constant Contact list named {name!r} (lists: {known})")
        chosen.append(pair)
    return chosen


def sync_lists(
    store: Store,
    connection_id: int,
    request: ListSyncRequest,
    *,
    progress: Callable[[str], None] = lambda _m: None,
    clock: Callable[[], datetime] = _now,
    origin: str = "cli",
) -> ListSyncResult:
    """One `lists sync`; GuardStopped (exit 2, the run recorded as failed) when the guard
    stops it, LockHeldError when another job holds the connection."""
    settings = effective_settings(store, connection_id)
    client = open_client(store, connection_id)
    try:
        if request.dry_run:
            job = ListJob(store, connection_id, client, settings, progress, clock, _nothing)
            return job.sync(request, None)
        with locked_run(store, connection_id, KIND, started_by(origin)) as (held, run):
            job = ListJob(store, connection_id, client, settings, progress, clock, held.check)
            result = job.sync(request, run)
            finish(run, result)
    finally:
        client.close()
    if result.stopped:
        raise GuardStopped(f"stopped before writing anything: {result.stopped}")
    notify_completion(settings, completion(result))
    return result


def finish(run: RunRecorder, result: ListSyncResult) -> None:
    """The run's counts and outcome: conflicts resolved by the rule are not errors."""
    run.counts.update(result.counts())
    if result.stopped:
        run.status, run.message = RunStatus.FAILED, f"stopped by the guard: {result.stopped}"
    elif run.errors_added > len(result.notes):
        run.status = RunStatus.PARTIAL
    else:
        run.status = RunStatus.SUCCEEDED
    result.run_id, result.status = run.run_id, run.outcome()


def completion(result: ListSyncResult) -> Completion:
    counts = result.counts()
    return Completion(
        "lists sync",
        result.run_id,
        result.status.value,
        {key: counts[key] for key in COUNTS},
        "Every failed subscription, conflict and membership not written",
        COUNTS,
    )
