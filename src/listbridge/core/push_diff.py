"""What a push plan would change in Constant Contact, field by field (`push --dry-run --diff`).

Pure: the plan, and what CC holds now of each contact it touches (read by the dry run,
in the row shape a push sends: `core.contact_row`) → one `FieldChange` per field that
would change, old → new. `None` is "no value": a new contact has none yet, and a field
a PUT blanks has none after.

- a new contact: every field it is sent with (old `None`), and the lists it joins;
- an update: each field sent whose value differs from CC's. An import leaves the fields
  it does not send as they are; a PUT blanks the names, job title and company it omits
  (facts §5.3), unless they are left out on purpose (`push.include_company`);
- `lists`: the contact's lists before and after, by name (joins, and the removals of
  `push.on_crm_delete`); a contact that unsubscribed joins none, so shows none;
- `contact`: a contact deleted (`push.on_crm_delete=delete_contact`), its id → `None`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

from listbridge.core.push_actions import Plan

Value = str | tuple[str, ...] | None

#: top-level properties a PUT overwrites with nothing when they are omitted
PUT_BLANKS = ("first_name", "last_name", "job_title", "company_name")
LISTS = "lists"
CONTACT = "contact"


@dataclass(frozen=True)
class Held:
    """What Constant Contact holds of one contact now."""

    row: Mapping[str, str]
    list_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FieldChange:
    account_id: str
    field: str
    old: Value
    new: Value


@dataclass
class _Lists:
    #: None: a contact the push would create
    contact_id: str | None = None
    joins: set[str] = field(default_factory=set)
    removals: set[str] = field(default_factory=set)


def diff_plan(
    plan: Plan,
    held: Mapping[str, Held],
    list_names: Mapping[str, str],
    by_put: Collection[str] = (),
    kept: Collection[str] = (),
) -> list[FieldChange]:
    """`by_put`: the accounts whose update goes by PUT; `kept`: row keys never sent."""
    changes: dict[str, list[FieldChange]] = defaultdict(list)
    for create in plan.creates:
        changes[create.account_id] += _fields(create.account_id, create.contact.row, None)
    for update in plan.updates:
        now = held.get(update.contact_id)
        blanks = [k for k in PUT_BLANKS if k not in kept] if update.account_id in by_put else []
        row = {**dict.fromkeys(blanks, ""), **update.contact.row}
        changes[update.account_id] += _fields(update.account_id, row, now.row if now else None)
    for account_id, lists in _memberships(plan).items():
        change = _lists(account_id, lists, held, list_names)
        if change is not None:
            changes[account_id].append(change)
    for gone in plan.deletes:
        deleted = FieldChange(gone.account_id, CONTACT, gone.contact_id, None)
        changes[gone.account_id].append(deleted)
    return [change for per_account in changes.values() for change in per_account]


def _fields(
    account_id: str, row: Mapping[str, str], now: Mapping[str, str] | None
) -> Iterator[FieldChange]:
    before = now or {}
    for key, value in row.items():
        old, new = before.get(key) or None, value or None
        if old != new:
            yield FieldChange(account_id, key, old, new)


def _memberships(plan: Plan) -> dict[str, _Lists]:
    found: dict[str, _Lists] = defaultdict(_Lists)
    for create in plan.creates:
        found[create.account_id].joins.update(create.list_ids)
    joining = [(u.account_id, u.contact_id, u.list_ids) for u in plan.updates]
    joining += [(s.account_id, s.contact_id, s.list_ids) for s in plan.subscribes]
    for account_id, contact_id, list_ids in joining:
        lists = found[account_id]
        lists.contact_id = contact_id
        lists.joins.update(list_ids)
    for gone in plan.unsubscribes:
        lists = found[gone.account_id]
        lists.contact_id = gone.contact_id
        lists.removals.update(gone.list_ids)
    return found


def _lists(
    account_id: str, lists: _Lists, held: Mapping[str, Held], names: Mapping[str, str]
) -> FieldChange | None:
    now = held.get(lists.contact_id) if lists.contact_id else None
    before = now.list_ids if now is not None else frozenset()
    after = (before | lists.joins) - lists.removals
    if after == before:
        return None
    old = None if lists.contact_id is None else _names(before, names)
    return FieldChange(account_id, LISTS, old, _names(after, names))


def _names(list_ids: Collection[str], names: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted(names.get(i, i) for i in list_ids))
