"""Records as the JSON the real service returns (D:ContactResource, D:ContactList, ...)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from listbridge.emulator.model import Contact, ContactList, CustomField, Tag

INCLUDES = (
    "custom_fields",
    "list_memberships",
    "phone_numbers",
    "street_addresses",
    "taggings",
    "notes",
)


def iso(us: int | None) -> str | None:
    """Microsecond timestamps keep ``updated_after`` exact, so they are never rounded."""
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_date(us: int | None) -> str | None:
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%d")


def parse_iso(text: str) -> int:
    """An ISO-8601 instant (or date) in microseconds; naive values are taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace(" ", "+"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp()) * 1_000_000 + value.microsecond


def email_view(c: Contact) -> dict[str, Any]:
    view: dict[str, Any] = {
        "address": c.email,
        "permission_to_send": c.permission,
        "created_at": iso(c.email_created_at),
        "updated_at": iso(c.updated_at),
        "opt_in_source": c.opt_in_source,
        "opt_in_date": iso(c.opt_in_date),
        "confirm_status": c.confirm_status,
    }
    if c.opt_out_date is not None:
        view["opt_out_source"] = c.opt_out_source
        view["opt_out_date"] = iso(c.opt_out_date)
        view["opt_out_reason"] = c.opt_out_reason or ""
    return _compact(view)


def contact_view(c: Contact, include: frozenset[str] = frozenset(INCLUDES)) -> dict[str, Any]:
    view: dict[str, Any] = {
        "contact_id": c.contact_id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "job_title": c.job_title,
        "company_name": c.company_name,
        "birthday_month": c.birthday_month,
        "birthday_day": c.birthday_day,
        "anniversary": c.anniversary,
        "create_source": c.create_source,
        "update_source": c.update_source,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "deleted_at": iso_date(c.deleted_at),
    }
    if c.email:
        view["email_address"] = email_view(c)
    if c.sms:
        view["sms_channel"] = sms_view(c)
    view = _compact(view)
    for name in include:
        view[name] = _SUBRESOURCES[name](c)
    return view


def _phones(c: Contact) -> list[dict[str, Any]]:
    return [
        {"phone_number_id": pid, "phone_number": number, "kind": kind}
        for pid, number, kind in c.phones or ()
    ]


def _addresses(c: Contact) -> list[dict[str, Any]]:
    keys = ("street_address_id", "kind", "street", "city", "state", "postal_code", "country")
    return [_compact(dict(zip(keys, row, strict=True))) for row in c.addresses or ()]


def _notes(c: Contact) -> list[dict[str, Any]]:
    return [
        {"note_id": nid, "created_at": iso(at), "content": content}
        for nid, at, content in c.notes or ()
    ]


_SUBRESOURCES = {
    "custom_fields": lambda c: [
        _custom_field_value(fid, value) for fid, value in c.custom_fields or ()
    ],
    "list_memberships": lambda c: list(c.lists or ()),
    "taggings": lambda c: list(c.taggings or ()),
    "phone_numbers": _phones,
    "street_addresses": _addresses,
    "notes": _notes,
}


def list_view(lst: ContactList, member_count: int | None = None) -> dict[str, Any]:
    view = {
        "list_id": lst.list_id,
        "name": lst.name,
        "description": lst.description,
        "favorite": lst.favorite,
        "created_at": iso(lst.created_at),
        "updated_at": iso(lst.updated_at),
        "deleted_at": iso(lst.deleted_at),
        "membership_count": member_count,
    }
    return _compact(view)


def custom_field_view(f: CustomField) -> dict[str, Any]:
    view: dict[str, Any] = {
        "custom_field_id": f.custom_field_id,
        "label": f.label,
        "name": f.name,
        "type": f.type,
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
    }
    if f.metadata:
        view["metadata"] = dict(f.metadata)
    if f.version is not None:
        view["version"] = f.version
    if f.choices:
        view["choices"] = [_choice_view(f, row) for row in f.choices]
    return view


def _choice_view(f: CustomField, row: tuple[Any, ...]) -> dict[str, Any]:
    """D:CustomFieldChoice."""
    cid, label, order, created, updated = row
    view = {
        "custom_field_id": f.custom_field_id,
        "choice_id": cid,
        "choice_label": label,
        "display_order": order,
        "created_at": iso(created),
        "updated_at": iso(updated),
    }
    return _compact(view)


def _custom_field_value(fid: str, value: Any) -> dict[str, Any]:
    """D:ContactCustomField: a select field's value carries the ids of its choices."""
    if isinstance(value, tuple):
        labels, ids = value
        return {"custom_field_id": fid, "value": labels, "choice_ids": list(ids)}
    return {"custom_field_id": fid, "value": value}


def tag_view(t: Tag, contacts_count: int | None = None) -> dict[str, Any]:
    view = {
        "tag_id": t.tag_id,
        "name": t.name,
        "tag_source": t.tag_source,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "contacts_count": contacts_count,
    }
    return _compact(view)


def _compact(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if v is not None}


def sms_view(c: Contact) -> dict[str, Any] | None:
    """D:ContactResource.sms_channel."""
    if not c.sms:
        return None
    consents = []
    for row in c.sms.get("consents", ()):
        view = dict(row)
        for key in ("created_at", "updated_at", "opt_in_date", "opt_out_date"):
            if view.get(key) is not None:
                view[key] = iso(view[key])
        consents.append(view)
    view = {k: v for k, v in c.sms.items() if k != "consents"}
    view["sms_channel_consents"] = consents
    return view
