"""The result of a push, and recording it: links, error rows, counts and the journal of its
Constant Contact changes in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from listbridge.core.journal import Change
from listbridge.core.push_diff import FieldChange
from listbridge.core.push_plan import CcState, Plan, Reason, Skip
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.db import Store
from listbridge.store.import_state import save_progress
from listbridge.store.journal import record_changes
from listbridge.store.push_state import (
    CcHeld,
    PushedLink,
    drop_links,
    forget_lists,
    refresh_cc_held,
    save_pushed_links,
)
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobResult
from listbridge.sync.push.source import Calls, Fetched
from listbridge.sync.push.steps import PushApplied, states_of

COUNTS = ("created", "matched_existing", "already_linked", "not_pushed", "failed_subscriptions")


@dataclass
class PushResult(JobResult):
    warnings: list[ErrorRow] = field(default_factory=list)
    #: per action and per reason (the dry run's table)
    by_reason: Counter[str] = field(default_factory=Counter)
    calls: Calls | None = None
    #: a dry run's plan (what `sync full --dry-run` shows of the push), None after a push
    plan: Plan | None = None
    #: `push --dry-run --diff`: each field that would change in Constant Contact
    diff: list[FieldChange] = field(default_factory=list)
    #: `planning_seconds` (wall time in the planner), `planning_records_per_s`
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of_plan(
        cls,
        plan: Plan,
        list_names: Mapping[str, str],
        status: RunStatus,
        calls: Calls | None = None,
    ) -> PushResult:
        counts = Counter(
            created=len(plan.creates),
            matched_existing=len(plan.links),
            already_linked=plan.already_linked,
            not_pushed=len(plan.not_pushed),
            failed_subscriptions=len(plan.failed_subscriptions),
        )
        errors = [_row(s, list_names) for s in (*plan.not_pushed, *plan.failed_subscriptions)]
        warnings = [_row(s, list_names) for s in plan.warnings]
        return cls(0, status, counts, errors, warnings, tally(plan), calls)


def tally(plan: Plan) -> Counter[str]:
    found: Counter[str] = Counter()
    for name, items in (("create", plan.creates), ("link", plan.links),
                        ("update", plan.updates), ("subscribe", plan.subscribes),
                        ("remove from lists (account deleted in the CRM)", plan.unsubscribes),
                        ("delete contact (account deleted in the CRM)", plan.deletes)):  # fmt: skip
        if items:
            found[name] += len(items)
    for skip in (*plan.not_pushed, *plan.failed_subscriptions):
        found[f"skip: {skip.reason.message}"] += 1
    if plan.unchanged:
        found["unchanged (no API call)"] = plan.unchanged
    return found


def _row(skip: Skip, list_names: Mapping[str, str]) -> ErrorRow:
    reason = skip.reason.message
    if skip.list_id:
        reason += f" (list {list_names.get(skip.list_id, skip.list_id)})"
    if skip.detail:
        reason += f": {skip.detail}"
    about = "email" if skip.reason in _ABOUT_THE_ADDRESS else skip.detail and "value"
    return ErrorRow(reason, skip.account_id, email=skip.email, field=about)


_ABOUT_THE_ADDRESS = frozenset(
    {Reason.SHARED_EMAIL, Reason.SHARED_EMAIL_HELD, Reason.CONTACT_TAKEN}
)


def record_push(
    store: Store,
    connection_id: int,
    run: RunRecorder,
    plan: Plan,
    fetched: Fetched,
    applied: PushApplied,
    at: datetime,
    journal: Sequence[Change] = (),
    held: Mapping[str, CcHeld | None] | None = None,
) -> PushResult:
    """`journal`: what the push changed in Constant Contact (`journal.cc_changes`),
    written with the links, so a link and the journal of its change commit together;
    `held`: what CC holds of the contacts after it (`held.py`), by contact id."""
    result = PushResult.of_plan(plan, fetched.list_names, RunStatus.SUCCEEDED, fetched.calls)
    lost = [c for c in plan.creates if c.account_id not in applied.created_ids]
    result.counts["created"] -= len(lost)
    result.counts["not_pushed"] += len(lost)
    result.errors += applied.errors
    result.errors += [
        ErrorRow("created in Constant Contact but not found afterwards", c.account_id,
                 email=c.contact.email)
        for c in lost if c.account_id not in applied.refused
    ]  # fmt: skip
    links = _links(plan, applied, states_of(plan, fetched))
    links += _quiet_links(plan, fetched, {row.account_id for row in links} | applied.refused)
    result.counts["removed_from_lists"] = len(plan.unsubscribes)
    result.counts["contacts_deleted"] = len(plan.deletes)
    with store.session() as session:
        save_pushed_links(session, connection_id, links, at)
        refresh_cc_held(session, connection_id, held or {})
        record_changes(session, connection_id, run.run_id, journal)
        forget_lists(session, connection_id, [u.account_id for u in plan.unsubscribes])
        drop_links(session, connection_id, [d.account_id for d in plan.deletes])
        run.add_errors([*result.errors, *result.warnings], session)
        # a streamed push records chunk by chunk: the run's counts so far, this chunk's added
        so_far = Counter(run.counts)
        so_far.update(result.counts)
        save_progress(session, run.run_id, so_far, {"links": len(links)})
    run.counts.update(result.counts)
    result.run_id, result.status = run.run_id, run.outcome()
    return result


def _links(
    plan: Plan, applied: PushApplied, state_of: Callable[[str], CcState | None]
) -> list[PushedLink]:
    rows = [
        PushedLink(c.account_id, CcState(applied.created_ids[c.account_id], False,
                                         frozenset(c.list_ids), plan.fingerprints[c.account_id],
                                         c.contact.email))
        for c in plan.creates if c.account_id in applied.created_ids
    ]  # fmt: skip
    sent = {u.account_id: u.contact.email for u in plan.updates}
    for account_id, contact_id, joins in _touched(plan):
        old = state_of(account_id) or CcState(contact_id)
        fp, email = old.fingerprint, old.email
        if account_id not in applied.refused:
            fp = plan.fingerprints.get(account_id, fp)
            email = sent.get(account_id, email)
        lists = frozenset(old.list_ids | set(joins))
        state = CcState(contact_id, old.unsubscribed, lists, fp, email)
        rows.append(PushedLink(account_id, state))
    return rows


def _quiet_links(plan: Plan, fetched: Fetched, done: set[str]) -> list[PushedLink]:
    """Links this push learned about at no API cost: an imported link's address, lists
    and fields, or a fingerprint stored in an older form; the next push reads none again."""
    rows = []
    for account_id in sorted((set(fetched.learned) | set(plan.refreshed)) - done):
        state = fetched.links.get(account_id)
        if state is None:
            continue
        fp = plan.refreshed.get(account_id, state.fingerprint)
        rows.append(PushedLink(account_id, replace(state, fingerprint=fp)))
    return rows


def _touched(plan: Plan) -> list[tuple[str, str, tuple[str, ...]]]:
    seen = {s.account_id: (s.account_id, s.contact_id, s.list_ids) for s in plan.subscribes}
    seen.update({u.account_id: (u.account_id, u.contact_id, u.list_ids) for u in plan.updates})
    for link in plan.links:
        seen.setdefault(link.account_id, (link.account_id, link.contact_id, ()))
    return list(seen.values())
