"""A push that writes nothing: the plan, its API cost and, asked for, its diff.

fetch (reads only: no list, field or link is made, no opt-out carried) → plan → the
bill (`cost.py`) → with `diff`, the contacts the plan touches read as they stand (those
the look-up by e-mail already read are not read again) and compared field by field
(`core.push_diff`). No lock, no run: `sync full --dry-run` calls `dry_run_push` too.
"""

from __future__ import annotations

from listbridge.core.push_diff import FieldChange, Held, diff_plan
from listbridge.core.push_plan import Plan
from listbridge.core.runs import RunStatus
from listbridge.sync.job import JobContext
from listbridge.sync.push import source
from listbridge.sync.push.apply import import_groups
from listbridge.sync.push.cost import estimate_calls
from listbridge.sync.push.fetch import PushRequest, fetch, plan_fetched
from listbridge.sync.push.record import PushResult
from listbridge.sync.push.source import Fetched
from listbridge.sync.push.steps import states_of


def dry_run_push(ctx: JobContext, request: PushRequest) -> PushResult:
    """The push `request` asks for, planned and costed, nothing written; `result.plan`
    is the plan, `result.diff` the changes when `request.diff`. Takes no lock."""
    fetched = fetch(ctx, request, write=False)
    plan = plan_fetched(fetched)
    ctx.progress(f"dry run: {plan.considered} accounts considered, nothing changed")
    diff = _diff(ctx, plan, fetched) if request.diff else []
    calls = estimate_calls(plan, fetched)
    result = PushResult.of_plan(plan, fetched.list_names, RunStatus.SUCCEEDED, calls=calls)
    result.plan, result.diff = plan, diff
    return result


def _diff(ctx: JobContext, plan: Plan, fetched: Fetched) -> list[FieldChange]:
    seen = fetched.seen if fetched.seen is not None else {}
    touched = {u.contact_id for u in plan.updates} | {s.contact_id for s in plan.subscribes}
    touched |= {gone.contact_id for gone in plan.unsubscribes}
    missing = touched - set(seen)
    if missing:
        ctx.progress(f"reading {len(missing)} contacts to compare with")
    contacts = {**seen, **source.contacts_held(ctx.client, touched, fetched.calls, seen, "diff")}
    row_of = fetched.row_of or source.row_reader(fetched.policy.mapping, {})
    held = {i: Held(row_of(c), frozenset(c.list_memberships)) for i, c in contacts.items()}
    by_put = {item.account_id for item in import_groups(plan, states_of(plan, fetched)).get((), [])}
    return diff_plan(plan, held, fetched.list_names, by_put, fetched.policy.mapping.left_out)
