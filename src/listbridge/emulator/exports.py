"""contact_exports: a CSV snapshot of the chosen contacts, fetched from /contact_exports/{id}."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from listbridge.emulator.activities import Activity
from listbridge.emulator.bulk import segment_contacts
from listbridge.emulator.bulk_schemas import Export
from listbridge.emulator.errors import bad_request
from listbridge.emulator.model import Contact
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso

COLUMNS: dict[str, Callable[[Contact], str]] = {
    "email_address": lambda c: c.email or "",
    "first_name": lambda c: c.first_name or "",
    "last_name": lambda c: c.last_name or "",
    "job_title": lambda c: c.job_title or "",
    "company_name": lambda c: c.company_name or "",
    "email_optin_source": lambda c: c.opt_in_source or "",
    "email_optin_date": lambda c: iso(c.opt_in_date) or "",
    "email_optout_source": lambda c: c.opt_out_source or "",
    "email_optout_date": lambda c: iso(c.opt_out_date) or "",
    "email_optout_reason": lambda c: c.opt_out_reason or "",
    "email_permission_status": lambda c: c.permission,
    "created_at": lambda c: iso(c.created_at) or "",
    "updated_at": lambda c: iso(c.updated_at) or "",
    "contact_id": lambda c: c.contact_id,
    "list_memberships": lambda c: ",".join(c.lists or ()),
}
DEFAULT = (
    "contact_id",
    "email_address",
    "first_name",
    "last_name",
    "email_permission_status",
    "updated_at",
)


def export_columns(body: Export) -> tuple[str, ...]:
    fields = tuple(body.fields or DEFAULT)
    unknown = [f for f in fields if f not in COLUMNS]
    if unknown:
        raise bad_request(f"fields: unknown column(s) {', '.join(unknown)}")
    if (
        any(f.startswith(("email_opt", "email_permission")) for f in fields)
        and "email_address" not in fields
    ):
        raise bad_request("fields: opt-in/opt-out columns require email_address")
    return fields


def export_filter(state: EmulatorState, body: Export) -> list[str]:
    contacts: list[Contact] = list(state.contacts.by_id.values())
    if body.contact_ids is not None:
        wanted = set(body.contact_ids)
        contacts = [c for c in contacts if c.contact_id in wanted]
    if body.list_ids is not None:
        lists = set(body.list_ids)
        contacts = [c for c in contacts if c.lists and not lists.isdisjoint(c.lists)]
    if body.tag_ids is not None:
        tags = set(body.tag_ids)
        contacts = [c for c in contacts if c.taggings and not tags.isdisjoint(c.taggings)]
    if body.segment_id is not None:
        chosen = set(segment_contacts(state, body.segment_id, "segment_id"))
        contacts = [c for c in contacts if c.contact_id in chosen]
    excluded = set(body.exclude.contact_ids) if body.exclude else set()
    status = body.status
    return [
        c.contact_id
        for c in contacts
        if not c.is_deleted
        and c.contact_id not in excluded
        and (status in (None, "all") or c.permission == status)
    ]


def process_export(state: EmulatorState, a: Activity) -> Iterator[float]:
    ids, columns = a.payload
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for n, contact_id in enumerate(ids, 1):
        c = state.contacts.by_id[contact_id]
        writer.writerow([COLUMNS[col](c) for col in columns])
        a.status["items_completed_count"] = n
        if n % 2000 == 0:
            yield n / len(ids)
    state.exports[a.activity_id] = out.getvalue()
    a.has_results = True
