"""What applying a push plan would cost in API calls (the dry run's bill)."""

from __future__ import annotations

import math

from listbridge.constant_contact.bulk import IN_FLIGHT, import_batches
from listbridge.core.batching import CONTACT_IDS_PER_ACTIVITY, chunked
from listbridge.core.push_plan import Plan
from listbridge.sync.push.apply import READ_BEFORE_PUT, import_groups
from listbridge.sync.push.journal import reads_before
from listbridge.sync.push.source import FEW, PAGE, Calls, Fetched
from listbridge.sync.push.steps import states_of


def import_requests(rows: list[dict[str, str]], list_ids: tuple[str, ...]) -> int:
    """How many contacts_json_import requests `Bulk.import_contacts` will send for these rows."""
    return len(import_batches(rows, list_ids).batches)


def estimate_calls(plan: Plan, fetched: Fetched) -> Calls:
    """The reads already made, plus the writes and the polls applying would need."""
    calls = Calls(dict(fetched.calls.by_purpose))
    # the journal's old values: the contacts whose fields are sent, read before they are
    missing, few = reads_before(plan, fetched)
    if missing:
        links = len(fetched.links)
        calls.add("read contacts (journal)" if len(missing) <= few else "scan contacts (journal)",
                  len(missing) if len(missing) <= few else 1 + links // PAGE)  # fmt: skip
    updated = {u.account_id for u in plan.updates}
    for list_ids, items in import_groups(plan, states_of(plan, fetched)).items():
        if list_ids:
            n = import_requests([dict(i.row) for i in items], list_ids)
            calls.add("contacts_json_import", n)
            calls.add("poll activities (at least)", sets(n))
        else:
            puts = sum(1 for i in items if i.account_id in updated)
            calls.add("PUT /contacts/{id}", puts)
            calls.add("POST /contacts", len(items) - puts)
            if not fetched.policy.mapping.include_company:
                calls.add(READ_BEFORE_PUT, puts)
    groups: dict[tuple[str, ...], int] = {}
    for sub in plan.subscribes:
        groups[sub.list_ids] = groups.get(sub.list_ids, 0) + 1
    for count in groups.values():
        n = len(chunked(count, CONTACT_IDS_PER_ACTIVITY))
        calls.add("add_list_memberships", n)
        calls.add("poll activities (at least)", sets(n))
    removals: dict[tuple[str, ...], int] = {}
    for gone in plan.unsubscribes:
        removals[gone.list_ids] = removals.get(gone.list_ids, 0) + 1
    for count in removals.values():
        calls.add("remove_list_memberships", len(chunked(count, CONTACT_IDS_PER_ACTIVITY)))
    calls.add("contact_delete", len(chunked(len(plan.deletes), CONTACT_IDS_PER_ACTIVITY)))
    made = len(plan.creates)
    calls.add("find new contacts", made if made <= FEW else 1 + made // PAGE)
    if made:
        linked = fetched.link_total or fetched.links
        calls.add("read tags" if linked else "create tag")  # `apply.tag_id_of`
        tags = len(chunked(made, CONTACT_IDS_PER_ACTIVITY))
        calls.add("contacts_taggings_add", tags)
        calls.add("poll activities (at least)", sets(tags))
    return calls


def sets(activities: int) -> int:
    """A push waits for its activities a set (≤ `IN_FLIGHT`) at a time, ≥ 1 page of
    `GET /activities` a set (`Bulk.run_together`)."""
    return math.ceil(activities / IN_FLIGHT)
