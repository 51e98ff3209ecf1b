"""The apply step of a push: bulk writes, then the ids of the contacts it created."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta

from listbridge.constant_contact.bulk import Bulk, Poller
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import NotFoundError
from listbridge.constant_contact.models import Activity
from listbridge.core.emails import match_key
from listbridge.core.push_plan import CcState, Plan
from listbridge.store.push_state import StoredMemo
from listbridge.sync.push.apply import (
    Applied,
    apply_imports,
    apply_removals,
    apply_subscribes,
    import_groups,
    tag_new_contacts,
)
from listbridge.sync.push.source import Fetched, contacts_by_email


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
    anything is read, so the new plan sees everything they did."""
    remembered = memo.remembered()
    for activity_id in remembered.values():
        progress(f"waiting for activity {activity_id} of an interrupted push")
        with suppress(NotFoundError):
            Poller().wait(client, client.get_activity(activity_id), _ignore)
    memo.forget(remembered)
    return len(remembered)


def _ignore(_key: str, _activity: Activity) -> None:
    return None


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
    result.keys += tag_new_contacts(bulk, client, fetched.tag, new_ids, fetched.calls)
    return result
