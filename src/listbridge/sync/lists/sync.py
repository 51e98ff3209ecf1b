"""`listbridge lists sync`: linked lists kept the same on both sides, in the chosen direction.

refresh (CC's lists, and the memberships of contacts changed since the last list job) →
sides (per list: the CRM list or its rule, the CC members through the links, the bases) →
plan (`core.list_plan`, pure; names by `core.list_names`) → guard (every list checked
before anything is written) → apply (CC additions go through the push, so new accounts
are created or matched exactly as a push does; removals in bulk activities of ≤ 500 ids;
CRM writes journaled) → record (bases, counts, error rows, in the run).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from listbridge.core.errors import GuardStopped, UserError
from listbridge.core.list_names import ListNames, plan_list_names
from listbridge.core.list_plan import Guard, MembershipSides, guard_verdict
from listbridge.core.list_plan import plan_list_sync as plan_members
from listbridge.core.runs import RunStatus
from listbridge.core.setting_values import Direction
from listbridge.core.settings import SYNC_GUARD_COUNT, SYNC_GUARD_PERCENT
from listbridge.store.link_lists import link_memberships
from listbridge.store.list_sync_state import ListPair, list_pairs, pair_named, read_bases
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.job import Job, JobContext, JobStart, job_context, run_job
from listbridge.sync.lists.apply import ListApplier, Planned
from listbridge.sync.lists.refresh import refresh_from_cc, save_refreshed
from listbridge.sync.lists.result import COUNTS, ListOutcome, ListSyncResult
from listbridge.sync.lists.sides import Audience
from listbridge.sync.lists.writes import settle_interrupted

KIND = "lists"
MAIL = Mail("lists sync", "Every failed subscription, conflict and membership not written", COUNTS)


@dataclass(frozen=True)
class ListSyncRequest:
    names: Sequence[str] = ()
    direction: Direction = Direction.BOTH
    confirm: bool = False
    dry_run: bool = False


def sync_in(ctx: JobContext, request: ListSyncRequest, run: RunRecorder | None) -> ListSyncResult:
    """A list sync inside a lock and run someone holds (`lists sync`, `sync full`);
    `run` None: a dry run (nothing written, no run recorded)."""
    run_id = run.run_id if run else None
    if run is not None:
        settle_interrupted(ctx)  # a killed run's activities: what they did is read below
    refreshed = refresh_from_cc(ctx.store, ctx.connection_id, ctx.client, ctx.clock)
    ctx.progress(f"{refreshed.contacts_read} contacts changed in Constant Contact")
    crm_lists = ctx.crm.list_keys()  # before the session: see store/links.load_match_index
    with ctx.store.session() as session:
        audience = Audience(ctx.crm, link_memberships(session, ctx.connection_id), refreshed)
        pairs = _chosen(list_pairs(session, ctx.connection_id, crm_lists), request.names)
    result = ListSyncResult(run_id or 0, RunStatus.SUCCEEDED, request.direction.value)
    result.dry_run = run is None
    applier = ListApplier(ctx, audience, run, result)
    planned = [p for pair in pairs if (p := _plan(ctx, pair, audience, request, applier))]
    verdicts = [v for p in planned if (v := _verdict(ctx, p))]
    if (verdicts and not request.confirm) or run is None:
        result.stopped = "; ".join(verdicts) if not request.confirm else ""
        for p in planned:
            applier.preview(p)
            p.outcome.note = _verdict(ctx, p) or ""
        result.lists += [p.outcome for p in planned]
        return result
    save_refreshed(ctx.store, ctx.connection_id, refreshed, run.run_id)
    applier.apply(planned)
    result.lists += [p.outcome for p in planned]
    return result


def _plan(
    ctx: JobContext,
    pair: ListPair,
    audience: Audience,
    request: ListSyncRequest,
    applier: ListApplier,
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
    with ctx.store.session() as session:
        bases = read_bases(session, ctx.connection_id, pair.cc_list_id)
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
    began = time.perf_counter()
    plan = plan_members(sides, request.direction)
    applier.result.timings.add(time.perf_counter() - began, len(sides.crm | sides.cc))
    paired = audience.paired_members(pair) if pair.rule_kind else sides.crm
    return Planned(pair, names, plan, paired, outcome, bases, to_pair)


def _verdict(ctx: JobContext, planned: Planned) -> str | None:
    if planned.plan is None:
        return None
    guard = Guard(ctx.settings.get(SYNC_GUARD_PERCENT), ctx.settings.get(SYNC_GUARD_COUNT))
    return guard_verdict(planned.plan, planned.pair.name, guard, planned.paired)


def _chosen(pairs: list[ListPair], names: Sequence[str]) -> list[ListPair]:
    """The named lists (each must exist in CC), else every list CC has or we still pair."""
    if not names:
        return [p for p in pairs if not p.deleted or p.crm_list_key is not None]
    chosen = []
    for name in names:
        pair = pair_named(pairs, name)
        if pair is None:
            known = ", ".join(p.name for p in pairs if not p.deleted) or "none"
            raise UserError(f"no Constant Contact list named {name!r} (lists: {known})")
        chosen.append(pair)
    return chosen


def sync_lists(start: JobStart, request: ListSyncRequest) -> ListSyncResult:
    """One `lists sync`; GuardStopped (exit 2, the run recorded as failed) when the guard
    stops it, LockHeldError when another job holds the connection."""
    if request.dry_run:
        with job_context(start) as ctx:
            return sync_in(ctx, request, None)
    result = run_job(start, ListSyncJob(request))
    if result.stopped:
        raise GuardStopped(f"stopped before writing anything: {result.stopped}")
    return result


@dataclass(frozen=True)
class ListSyncJob(Job[ListSyncResult]):
    request: ListSyncRequest
    kind: ClassVar[str] = KIND

    def work(self, ctx: JobContext, run: RunRecorder) -> ListSyncResult:
        result = sync_in(ctx, self.request, run)
        finish(run, result)
        return result

    def completion(self, result: ListSyncResult) -> Completion | None:
        if result.stopped:
            return None
        counts = result.counts()
        return MAIL.of(result, {key: counts[key] for key in COUNTS})


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
