"""Applying a push plan through the bulk endpoints, remembered so a re-run never resubmits.

Field rows go through `contacts_json_import`, grouped by the lists the import adds
them to (the named lists, or for an update with nothing to join a list the contact
is already on, so the import changes no membership). A contact on no list at all
(an unsubscribed one) cannot ride an import: its fields go by `PUT /contacts/{id}`,
with no permission sent, so its consent is untouched. Memberships of
`--subscription-only` go through `add_list_memberships`.

A PUT blanks the top-level properties it omits (facts §5.3): with `push.include_company`
false, the contact's company is read first and sent back as it is (a sub-resource such
as the street address, omitted, stays untouched by itself).

One by one, a contact CC refuses (`ApiError`: a 400, 404, 409 …) is an error row and the
push goes on; a lost authorisation (`NotConnectedError`) or a service that cannot be
reached (`RetriableApiError`, once its retries are spent) stops the push.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from listbridge.constant_contact.bulk import Bulk, BulkResult
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.contacts import create_body, update_body
from listbridge.constant_contact.errors import ApiError
from listbridge.core.mapping import IMPORT_EMAIL_LIMIT
from listbridge.core.push_plan import CcState, Plan, Update
from listbridge.core.runs import ErrorRow
from listbridge.sync.push.source import Calls

#: the read a PUT needs first when the company is not pushed (it would blank CC's)
READ_BEFORE_PUT = "GET /contacts/{id} (its company, before a PUT)"


@dataclass
class Applied:
    errors: list[ErrorRow] = field(default_factory=list)
    #: account ids whose rows the import refused (not created, or not updated)
    refused: set[str] = field(default_factory=set)
    keys: list[str] = field(default_factory=list)
    #: account id → contact made one by one (POST /contacts)
    created: dict[str, str] = field(default_factory=dict)
    #: when CC began the first import (its clock): the contacts made since are the new ones
    began: datetime | None = None


@dataclass(frozen=True)
class Item:
    account_id: str
    email: str
    row: Mapping[str, str]
    #: the lists a contact made one by one joins
    list_ids: tuple[str, ...] = ()


def import_groups(
    plan: Plan, states: Callable[[str], CcState | None]
) -> dict[tuple[str, ...], list[Item]]:
    """Field rows by the list ids their import carries; `()` for those that need a PUT."""
    groups: dict[tuple[str, ...], list[Item]] = defaultdict(list)
    for create in plan.creates:
        item = Item(create.account_id, create.contact.email, create.contact.row, create.list_ids)
        # The JSON import takes addresses of ≤ 50 characters; CC keeps up to 80 (facts §5.2).
        groups[() if len(item.email) > IMPORT_EMAIL_LIMIT else create.list_ids].append(item)
    for update in plan.updates:
        groups[_carrier(update, states(update.account_id))].append(_item(update))
    return dict(groups)


def _carrier(update: Update, state: CcState | None) -> tuple[str, ...]:
    if update.email_changed or len(update.contact.email) > IMPORT_EMAIL_LIMIT:
        return ()  # an import matches by e-mail (≤ 50 characters): it would make a new contact
    if update.list_ids:
        return update.list_ids
    if state is not None and state.list_ids and not state.unsubscribed:
        return (min(state.list_ids),)
    return ()


def _item(update: Update) -> Item:
    return Item(update.account_id, update.contact.email, update.contact.row)


def group_key(kind: str, list_ids: Sequence[str], payload: Any) -> str:
    """A request's identity: the same request on a re-run finds its activity again."""
    digest = hashlib.sha256(json.dumps([kind, list(list_ids), payload], sort_keys=True).encode())
    return f"{kind}:{digest.hexdigest()[:40]}"


def apply_imports(
    bulk: Bulk, client: ConstantContact, groups: Mapping[tuple[str, ...], list[Item]],
    contact_of: Mapping[str, str], calls: Calls, keep_company: bool = False,
) -> Applied:  # fmt: skip
    """`keep_company`: a PUT sends the contact's own company back (`push.include_company`)."""
    applied = Applied()
    for list_ids, items in groups.items():
        if list_ids:
            _import(bulk, list_ids, items, applied, calls)
            continue
        for item in items:
            if item.account_id in contact_of:
                _put(client, contact_of[item.account_id], item, applied, calls, keep_company)
            else:
                _post(client, item, applied, calls)
    return applied


def _import(
    bulk: Bulk, list_ids: tuple[str, ...], items: list[Item], applied: Applied, calls: Calls
) -> None:
    rows = [dict(i.row) for i in items]
    key = group_key("import", list_ids, rows)
    result = bulk.import_contacts(key, rows, list(list_ids))
    applied.keys += result.keys
    calls.add("contacts_json_import", len(result.activities))
    began = [a.created_at for a in result.activities if a.created_at is not None]
    if began and len(began) == len(result.activities):
        applied.began = min([*began, *([applied.began] if applied.began else [])])
    _collect(result, items, applied)


def _collect(result: BulkResult, items: Sequence[Item], applied: Applied) -> None:
    for error in result.errors:
        if error.index is None or "unsubscribed" in error.message:
            continue  # an unsubscribed contact is reported by the plan, not here
        item = items[error.index]
        applied.refused.add(item.account_id)
        applied.errors.append(ErrorRow(error.message, item.account_id, email=item.email))
    for index in result.oversize:
        item = items[index]
        applied.refused.add(item.account_id)
        applied.errors.append(
            ErrorRow("too big for a bulk import", item.account_id, email=item.email)
        )
    for activity in result.failed:
        applied.errors.append(ErrorRow(f"bulk activity {activity.activity_id} {activity.state}"))


def _put(
    client: ConstantContact, contact_id: str, item: Item, applied: Applied, calls: Calls,
    keep_company: bool,
) -> None:  # fmt: skip
    row = dict(item.row)
    try:
        if keep_company:
            calls.add(READ_BEFORE_PUT)
            row["company_name"] = client.get_contact(contact_id, include=()).company_name or ""
        calls.add("PUT /contacts/{id}")
        client.update_contact(contact_id, update_body(row))
    except ApiError as error:  # one contact's refusal must not stop the push
        applied.refused.add(item.account_id)
        applied.errors.append(
            ErrorRow(f"update refused: {error}", item.account_id, contact_id, item.email)
        )


def _post(client: ConstantContact, item: Item, applied: Applied, calls: Calls) -> None:
    """A new contact with no list to ride an import on (a new address, its old contact on none)."""
    calls.add("POST /contacts")
    try:
        made, _ = client.create_contact(create_body(item.row, item.list_ids))
    except ApiError as error:  # one contact's refusal must not stop the push
        applied.refused.add(item.account_id)
        applied.errors.append(
            ErrorRow(f"create refused: {error}", item.account_id, email=item.email)
        )
        return
    applied.created[item.account_id] = made.contact_id


def apply_subscribes(bulk: Bulk, plan: Plan, calls: Calls) -> list[str]:
    by_lists: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for sub in plan.subscribes:
        by_lists[sub.list_ids].append(sub.contact_id)
    keys = []
    for list_ids, contact_ids in by_lists.items():
        key = group_key("add", list_ids, sorted(contact_ids))
        result = bulk.add_to_lists(key, sorted(contact_ids), list(list_ids))
        calls.add("add_list_memberships", len(result.activities))
        keys += result.keys
    return keys


def apply_removals(bulk: Bulk, plan: Plan, calls: Calls) -> list[str]:
    """`push.on_crm_delete`: list removals and contact deletes, ≤500 contacts a request."""
    keys: list[str] = []
    by_lists: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for gone in plan.unsubscribes:
        by_lists[gone.list_ids].append(gone.contact_id)
    for list_ids, contact_ids in by_lists.items():
        key = group_key("remove", list_ids, sorted(contact_ids))
        result = bulk.remove_from_lists(key, sorted(contact_ids), list(list_ids))
        calls.add("remove_list_memberships", len(result.activities))
        keys += result.keys
    ids = sorted(d.contact_id for d in plan.deletes)
    key = group_key("delete", (), ids)
    deleted = bulk.delete_contacts(key, ids)
    calls.add("contact_delete", len(deleted.activities))
    keys += deleted.keys
    return keys


def tag_new_contacts(
    bulk: Bulk, client: ConstantContact, tag: str, contact_ids: Sequence[str], calls: Calls,
    known: dict[str, str] | None = None, likely_new: bool = False,
) -> list[str]:  # fmt: skip
    """New contacts carry `push.tag`, so they can be found in Constant Contact. `known`:
    tag ids a push already resolved (one resolution a push, not one a chunk)."""
    if not contact_ids:
        return []
    tag_id = tag_id_of(client, tag, calls, {} if known is None else known, likely_new)
    ids = sorted(contact_ids)
    key = group_key("tag", (tag_id,), ids)
    tagged = bulk.tag_contacts(key, ids, [tag_id])
    calls.add("contacts_taggings_add", len(tagged.activities))
    return tagged.keys


def tag_id_of(
    client: ConstantContact, tag: str, calls: Calls, known: dict[str, str], likely_new: bool
) -> str:
    """The id of the tag named `tag`, remembered in `known`. `likely_new` (no contact of
    the connection is linked yet): created directly, one POST, and a 409 (the name is
    taken) costs the read of the tags besides; else the tags are read first, and the tag
    is created only when it is missing."""
    if tag in known:
        return known[tag]
    found = None
    if not likely_new:
        calls.add("read tags")
        found = next((t for t in client.iter_tags() if t.name == tag), None)
    if found is None:
        calls.add("create tag")
        found = client.create_tag(tag)
    known[tag] = found.tag_id
    return found.tag_id
