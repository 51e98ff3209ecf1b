"""Applying a push plan through the bulk endpoints, remembered so a re-run never resubmits.

Field rows go through `contacts_json_import`, grouped by the lists the import adds
them to (the named lists, or for an update with nothing to join a list the contact
is already on, so the import changes no membership). A contact on no list at all
(an unsubscribed one) cannot ride an import: its fields go by `PUT /contacts/{id}`,
with no permission sent, so its consent is untouched. Memberships of
`--subscription-only` go through `add_list_memberships`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from listbridge.constant_contact.bulk import Bulk, BulkResult
from listbridge.constant_contact.client import ConstantContact
from listbridge.core.batching import CONTACT_IDS_PER_ACTIVITY, chunked
from listbridge.core.mapping import IMPORT_EMAIL_LIMIT
from listbridge.core.push_plan import CcState, Plan, Update
from listbridge.core.runs import ErrorRow
from listbridge.sync.push_source import Calls

Row = dict[str, Any]
#: JSON-import keys → PUT /contacts sub-resources (facts §5.2)
_PHONES = {"home_phone": "home", "work_phone": "work", "mobile_phone": "mobile",
           "other_phone": "other"}  # fmt: skip
_ADDRESS = {"street": "street", "city": "city", "state": "state", "zip": "postal_code",
            "country": "country"}  # fmt: skip


@dataclass
class Applied:
    errors: list[ErrorRow] = field(default_factory=list)
    #: account ids whose rows the import refused (not created, or not updated)
    refused: set[str] = field(default_factory=set)
    keys: list[str] = field(default_factory=list)
    #: account id → contact made one by one (POST /contacts)
    created: dict[str, str] = field(default_factory=dict)


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
    contact_of: Mapping[str, str], calls: Calls,
) -> Applied:  # fmt: skip
    applied = Applied()
    for list_ids, items in groups.items():
        if list_ids:
            _import(bulk, list_ids, items, applied, calls)
            continue
        for item in items:
            if item.account_id in contact_of:
                _put(client, contact_of[item.account_id], item, applied, calls)
            else:
                _post(client, item, applied, calls)
    return applied


def _import(
    bulk: Bulk, list_ids: tuple[str, ...], items: list[Item], applied: Applied, calls: Calls
) -> None:
    rows = [dict(i.row) for i in items]
    key = group_key("import", list_ids, rows)
    result = bulk.import_contacts(key, rows, list(list_ids))
    applied.keys += [f"{key}:{n}" for n in range(len(result.activities))]
    calls.add("contacts_json_import", len(result.activities))
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
    client: ConstantContact, contact_id: str, item: Item, applied: Applied, calls: Calls
) -> None:
    calls.add("PUT /contacts/{id}")
    try:
        client.update_contact(contact_id, put_body(item.row))
    except Exception as error:  # one contact's refusal must not stop the push
        applied.refused.add(item.account_id)
        applied.errors.append(
            ErrorRow(f"update refused: {error}", item.account_id, contact_id, item.email)
        )


def _post(client: ConstantContact, item: Item, applied: Applied, calls: Calls) -> None:
    """A new contact with no list to ride an import on (a new address, its old contact on none)."""
    calls.add("POST /contacts")
    body = put_body(item.row)
    del body["update_source"]
    body["create_source"] = "Account"
    body["email_address"]["permission_to_send"] = "implicit"
    if item.list_ids:
        body["list_memberships"] = list(item.list_ids)
    try:
        made, _ = client.create_contact(body)
    except Exception as error:  # one contact's refusal must not stop the push
        applied.refused.add(item.account_id)
        applied.errors.append(
            ErrorRow(f"create refused: {error}", item.account_id, email=item.email)
        )
        return
    applied.created[item.account_id] = made.contact_id


def put_body(row: Mapping[str, str]) -> Row:
    body: Row = {"email_address": {"address": row["email"]}, "update_source": "Account"}
    for key in ("first_name", "last_name", "job_title", "company_name"):
        body[key] = row.get(key, "")
    phones = [{"phone_number": row[k], "kind": kind} for k, kind in _PHONES.items() if k in row]
    address = {name: row[k] for k, name in _ADDRESS.items() if k in row}
    if phones:
        body["phone_numbers"] = phones[:3]
    if address:
        body["street_addresses"] = [{"kind": "home", **address}]
    return body


def apply_subscribes(bulk: Bulk, plan: Plan, calls: Calls) -> list[str]:
    by_lists: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for sub in plan.subscribes:
        by_lists[sub.list_ids].append(sub.contact_id)
    keys = []
    for list_ids, contact_ids in by_lists.items():
        key = group_key("add", list_ids, sorted(contact_ids))
        result = bulk.add_to_lists(key, sorted(contact_ids), list(list_ids))
        calls.add("add_list_memberships", len(result.activities))
        keys += [f"{key}:{n}" for n in range(len(result.activities))]
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
        keys += [f"{key}:{n}" for n in range(len(result.activities))]
    ids = sorted(d.contact_id for d in plan.deletes)
    for n, part in enumerate(chunked(len(ids), CONTACT_IDS_PER_ACTIVITY)):
        key = group_key("delete", (), ids) + f":{n}"
        bulk.run(key, "contact_delete", {"contact_ids": [ids[i] for i in part]})
        calls.add("contact_delete")
        keys.append(key)
    return keys


def tag_new_contacts(
    bulk: Bulk, client: ConstantContact, tag: str, contact_ids: Sequence[str], calls: Calls
) -> list[str]:
    """New contacts carry `push.tag`, so they can be found in Constant Contact."""
    if not contact_ids:
        return []
    calls.add("read tags")
    found = next((t for t in client.iter_tags() if t.name == tag), None)
    if found is None:
        calls.add("create tag")
        found = client.create_tag(tag)
    ids = sorted(contact_ids)
    bodies = {}
    for part in chunked(len(ids), CONTACT_IDS_PER_ACTIVITY):
        body = {"source": {"contact_ids": [ids[i] for i in part]}, "tag_ids": [found.tag_id]}
        bodies[group_key("tag", (found.tag_id,), body["source"])] = body
    _submit_then_poll(bulk, "contacts_taggings_add", bodies)
    calls.add("contacts_taggings_add", len(bodies))
    return list(bodies)


def _submit_then_poll(bulk: Bulk, kind: str, bodies: Mapping[str, Row]) -> None:
    """Every request submitted (and remembered) first, then each polled: the service works
    on them together instead of one poll delay after another."""
    started = []
    for key, body in bodies.items():
        known = bulk.memo.get(key)
        if known is None:
            activity = bulk.client.post_activity(kind, body)
            bulk.memo.put(key, activity.activity_id)
            known = activity.activity_id
        started.append(known)
    for activity_id in started:
        activity = bulk.client.get_activity(activity_id)
        bulk.poller.wait(bulk.client, activity, bulk.progress)
