"""The apply step of a push: bulk writes, then the ids of the contacts it created."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from listbridge.constant_contact.bulk import Bulk
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import Activity
from listbridge.constant_contact.polling import Poller
from listbridge.core.emails import match_key
from listbridge.core.push_plan import CcState, Plan
from listbridge.crash_points import reached
from listbridge.store.push_state import StoredMemo
from listbridge.store.push_untagged import forget_untagged, untagged_of_stopped_runs
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobContext
from listbridge.sync.push.apply import (
    Applied,
    apply_imports,
    apply_removals,
    apply_subscribes,
    import_groups,
    tag_new_contacts,
)
from listbridge.sync.push.held import MARGIN
from listbridge.sync.push.source import PAGE, Calls, Fetched, contacts_by_email


@dataclass
class PushApplied(Applied):
    #: account id → the contact a Create made
    created_ids: dict[str, str] = field(default_factory=dict)


def states_of(plan: Plan, fetched: Fetched) -> Callable[[str], CcState | None]:
    """What is known of the contact behind each linked or matched account."""
    by_contact = {s.contact_id: s for s in fetched.existing.values()}
    matched = {link.account_id: by_contact.get(link.contact_id) for link in plan.links}

    def state(account_id: str) -> CcState | None:
        return fetched.links.get(account_id) or matched.get(account_id)

    return state


def settle_remembered(
    client: ConstantContact, memo: StoredMemo, progress: Callable[[str], None]
) -> int:
    """A killed push's activities are polled to their end (never submitted again) before
    anything is read, so the new plan sees everything they did: all of them together, one
    page of `GET /activities` a round (one CC no longer knows is passed over)."""
    remembered = memo.remembered()
    if remembered:
        progress(f"waiting for the {len(remembered)} activities of an interrupted push")
        Poller().wait_all(client, sorted(set(remembered.values())), missing_ok=True)
    memo.forget(remembered)
    return len(remembered)


def tag_left_untagged(ctx: JobContext, memo: StoredMemo, run: RunRecorder, tag: str) -> int:
    """The contacts a stopped push made and never tagged (killed between its import and
    its taggings: `store/push_untagged.py`) get `push.tag` now, after its activities are
    settled, so that the plan, which sees them as existing, leaves nothing untagged."""
    left = untagged_of_stopped_runs(ctx.store, ctx.connection_id, run.run_id)
    if not left:
        return 0
    emails = {e for found in left.values() for e in found}
    ctx.progress(f"tagging the new contacts of {len(left)} interrupted push(es)")
    calls = Calls()
    made = contacts_by_email(ctx.client, emails, calls)
    ids = sorted({state.contact_id for state in made.values()})
    keys = tag_new_contacts(Bulk(ctx.client, memo, together=True), ctx.client, tag, ids, calls)
    forget_untagged(ctx.store, left)
    memo.forget(keys)
    return len(ids)


#: the first wait for a chunk's taggings, its last set, when they are more than a page of
#: contacts: the poll that finds them ended answers with a `Date` that is past their end by
#: `MARGIN` and the `Date`'s rounding, so `outlast_writes` has no read left to make (the
#: same wait as its own, spent before that poll instead of after it)
OUTLAST = (MARGIN + timedelta(seconds=1.5)).total_seconds()


def outlast_writes(
    client: ConstantContact, ended: Sequence[Activity], sleep: Callable[[float], None] = time.sleep
) -> None:
    """A complete push leaves CC's `Date` at its last answer, less `held.MARGIN`, as the
    watermark: what it wrote after that, the next push reads again. A set waited for
    together ends with a poll that can follow the last of it closely: when more than a
    page of contacts was written that late, one small read (≤ 3 s on) saves those pages."""
    at = client.session.last_date
    done = [(a.completed_at, a) for a in ended if a.completed_at is not None]
    if at is None or not done:
        return
    late = sum(_items(a) for when, a in done if when > at - MARGIN)
    if late <= PAGE:
        return
    last = max(when for when, _ in done)
    sleep(min(3.0, max(0.0, (last + MARGIN + timedelta(seconds=1) - at).total_seconds())))
    client.recent_activities(1)


def _items(activity: Activity) -> int:
    status = activity.status
    return (status.items_total_count or 0) if status is not None else 0


def apply_push(
    bulk: Bulk,
    client: ConstantContact,
    plan: Plan,
    fetched: Fetched,
    progress: Callable[[str], None],
    streamed: bool = False,
) -> PushApplied:
    """`streamed`: a chunk of a push; the new contacts are found among those changed since
    its imports began, not by a scan of every contact (one per chunk would add up)."""
    contact_of = {u.account_id: u.contact_id for u in plan.updates}
    groups = import_groups(plan, states_of(plan, fetched))
    progress(f"sending {sum(map(len, groups.values()))} contacts in {len(groups)} group(s)")
    keep_company = not fetched.policy.mapping.include_company
    done = apply_imports(bulk, client, groups, contact_of, fetched.calls, keep_company)
    result = PushApplied(done.errors, done.refused, done.keys, done.created, done.began)
    result.created_ids.update(done.created)
    result.keys += apply_subscribes(bulk, plan, fetched.calls)
    result.keys += apply_removals(bulk, plan, fetched.calls)
    reached("push_imported")
    made = [c for c in plan.creates if c.account_id not in result.refused | set(done.created)]
    if made:
        progress(f"finding the {len(made)} new contacts")
        # CC's clock, a second early: only what its imports made since is scanned
        since = None if done.began is None or not streamed else done.began - timedelta(seconds=1)
        emails = [c.contact.email for c in made]
        found = contacts_by_email(client, emails, fetched.calls, updated_after=since)
        for create in made:
            state = found.get(match_key(create.contact.email))
            if state is not None:
                result.created_ids[create.account_id] = state.contact_id
    new_ids = list(result.created_ids.values())
    first = fetched.link_total == 0  # the connection's first push: the tag is most likely new
    poller = bulk.poller
    if len(new_ids) > PAGE:  # (`outlast_writes` has nothing to save for fewer)
        bulk.poller = replace(poller, first=max(poller.first, OUTLAST))
    try:
        result.keys += tag_new_contacts(
            bulk, client, fetched.tag, new_ids, fetched.calls, fetched.tag_ids, likely_new=first
        )
    finally:
        bulk.poller = poller
    return result
