"""What a push changes in Constant Contact, journaled (side `cc`, record: the contact id)
in the format `runs undo` reads (`core/undo_plan.py`):

- a contact it created: `*` (old `None`), and `list:<list id>` `None` → `member` for each
  list it joined;
- a linked or matched contact: `list:<list id>` `None` → `member` for each list joined
  that the link (`cc_links.list_ids`, or the look-up for a match) did not hold, and
  `member` → `None` for each list `push.on_crm_delete` took it off; `deleted` for a
  contact deleted;
- each top-level field an undo can put back (`first_name`, `last_name`, `job_title`,
  `company_name`) that the push sends and that differs from what CC held before: the
  contacts whose fields are sent are read before the push writes (`read_before`: those the
  look-up by e-mail read are not read again, nor those whose link knows what CC holds
  (`held.py`: the store, kept up to date with the contacts changed in CC since the last
  push); the rest one by one while that costs no more than a scan of the pages would
  (≥ 20), else one scan).

Only real changes (old ≠ new); nothing for a row CC refused. `record_push` writes them in
the transaction of the links.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.journal import Change, Side
from listbridge.core.push_diff import PUT_BLANKS
from listbridge.core.push_plan import CcState, Plan
from listbridge.core.undo_plan import CC_FIELDS, CREATED, LIST_PREFIX
from listbridge.sync.push import source
from listbridge.sync.push.apply import import_groups
from listbridge.sync.push.source import Fetched
from listbridge.sync.push.steps import PushApplied, states_of

REASON = "push"
MEMBER = "member"
DELETED = "deleted"
#: the fields journaled, in a steady order
FIELDS = tuple(f for f in PUT_BLANKS if f in CC_FIELDS)


def read_before(
    client: ConstantContact,
    plan: Plan,
    fetched: Fetched,
    progress: Callable[[str], None],
    known: Mapping[str, dict[str, str]] | None = None,
) -> dict[str, dict[str, str]]:
    """The rows (push shape) CC holds now of the contacts whose sent fields change.
    `known`: those the store knows CC holds (`held.known_before`), not read again."""
    have = dict(known or {})
    wanted = {u.contact_id for u in plan.updates} - set(have)
    if not wanted:
        return have
    missing, few = reads_before(plan, fetched)
    missing -= set(have)
    if missing:
        progress(f"reading {len(missing)} contacts before updating them (for the journal)")
    contacts = source.contacts_held(client, wanted, fetched.calls, fetched.seen, "journal", few)
    row_of = fetched.row_of or source.row_reader(fetched.policy.mapping, {})
    return have | {i: row_of(c) for i, c in contacts.items()}


def reads_before(plan: Plan, fetched: Fetched) -> tuple[set[str], int]:
    """The contacts `read_before` reads (the look-up by e-mail read the others), and up to
    how many it reads one by one: a scan costs at least a page per 500 linked contacts."""
    seen = fetched.seen or {}
    missing = {u.contact_id for u in plan.updates} - set(seen)
    return missing, max(source.FEW, 1 + (fetched.link_total or len(fetched.links)) // source.PAGE)


def cc_changes(
    plan: Plan,
    fetched: Fetched,
    applied: PushApplied,
    before: Mapping[str, Mapping[str, str]],
    at: datetime,
) -> list[Change]:
    """`before`: `read_before`'s rows, by contact id."""
    changes: list[Change] = []

    def add(contact_id: str, field: str, old: str | None, new: str | None) -> None:
        if old != new:
            changes.append(Change(Side.CC, contact_id, field, old, new, REASON, at))

    for create in plan.creates:
        made = applied.created_ids.get(create.account_id)
        if made is not None:
            add(made, CREATED, None, "created")
            for list_id in sorted(set(create.list_ids)):
                add(made, f"{LIST_PREFIX}{list_id}", None, MEMBER)
    state_of = states_of(plan, fetched)
    by_put = {i.account_id for i in import_groups(plan, state_of).get((), [])}
    left_out = fetched.policy.mapping.left_out
    for update in plan.updates:
        if update.account_id in applied.refused:
            continue
        held = before.get(update.contact_id)
        if held is not None:
            blanks = [k for k in FIELDS if k not in left_out] if update.account_id in by_put else []
            row = {**dict.fromkeys(blanks, ""), **update.contact.row}
            for name in FIELDS:
                if name in row:
                    add(update.contact_id, name, held.get(name) or None, row[name] or None)
        if update.account_id not in by_put:  # a PUT carries no membership
            _joins(add, update.contact_id, update.list_ids, state_of(update.account_id))
    for sub in plan.subscribes:
        _joins(add, sub.contact_id, sub.list_ids, state_of(sub.account_id))
    for gone in plan.unsubscribes:
        for list_id in sorted(set(gone.list_ids)):
            add(gone.contact_id, f"{LIST_PREFIX}{list_id}", MEMBER, None)
    for deleted in plan.deletes:
        add(deleted.contact_id, DELETED, None, DELETED)
    return changes


def _joins(
    add: Callable[[str, str, str | None, str | None], None],
    contact_id: str,
    list_ids: Collection[str],
    state: CcState | None,
) -> None:
    if state is not None and state.unsubscribed:
        return  # joins no list (a failed subscription)
    held = state.list_ids if state is not None else frozenset()
    for list_id in sorted(set(list_ids) - held):
        add(contact_id, f"{LIST_PREFIX}{list_id}", None, MEMBER)
