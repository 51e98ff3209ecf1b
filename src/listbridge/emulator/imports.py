"""contacts_json_import and contacts_file_import: upsert contacts, never re-subscribe.

An import updates only the properties it sends; a new contact gets ``implicit`` consent
from the Account. A previously unsubscribed contact is updated but not added to lists and
is counted in ``cannot_add_to_list_count`` (facts §6, §9.2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from listbridge.emulator import contact_rules as rules
from listbridge.emulator.activities import Activity, ActivityFailed
from listbridge.emulator.model import Contact
from listbridge.emulator.state import EmulatorState

CHUNK = 500
NAME_FIELDS = ("first_name", "last_name", "job_title", "company_name")
PHONE_KEYS = {
    "phone": "other",
    "home_phone": "home",
    "work_phone": "work",
    "mobile_phone": "mobile",
    "other_phone": "other",
}
ADDRESS_PARTS = ("street", "street2", "city", "state", "zip", "country")


class RowProblem(Exception):
    def __init__(self, message: str, correctable: bool) -> None:
        super().__init__(message)
        self.correctable = correctable


def import_status(total: int) -> dict[str, int]:
    return {
        "items_total_count": total,
        "items_completed_count": 0,
        "person_count": 0,
        "error_count": 0,
        "correctable_count": 0,
        "cannot_add_to_list_count": 0,
    }


def within_bytes(items: list[dict[str, Any]], cap: int) -> list[dict[str, Any]]:
    """The leading items that fit in ``cap`` bytes; the rest is dropped, as the service does."""
    size, kept = 2, []
    for item in items:
        size += len(json.dumps(item, separators=(",", ":")).encode()) + 1
        if size > cap:
            break
        kept.append(item)
    return kept


def process_import(state: EmulatorState, a: Activity) -> Iterator[float]:
    rows, list_ids, first_row = a.payload
    gone = [lid for lid in list_ids if lid not in state.lists or state.lists[lid].deleted_at]
    if gone:
        raise ActivityFailed(f"list(s) {', '.join(gone)} were deleted before the import ran")
    total = max(1, len(rows))
    for n, row in enumerate(rows, 1):
        _import_row(state, a, row, list_ids, f"row {n + first_row - 1}")
        a.status["items_completed_count"] = n
        if n % CHUNK == 0:
            yield n / total


def _import_row(
    state: EmulatorState, a: Activity, row: dict[str, Any], list_ids: list[str], where: str
) -> None:
    try:
        contact = _upsert(state, row, where)
    except RowProblem as problem:
        a.status["correctable_count" if problem.correctable else "error_count"] += 1
        a.error(str(problem))
        return
    a.status["person_count"] += 1
    if contact.is_unsubscribed:
        a.status["cannot_add_to_list_count"] += 1
        a.error(f"{where}: {contact.email} is unsubscribed and was not added to the list(s)")
    elif not rules.add_lists(state, contact, list_ids):
        a.status["error_count"] += 1
        a.error(f"{where}: {contact.email} would exceed 50 lists")
    state.touch(contact, "Account")


def _upsert(state: EmulatorState, row: dict[str, Any], where: str) -> Contact:
    fields = _checked(state, row, where)
    address = fields.pop("email")
    contact = state.contacts.find_email(address)
    if contact is None:
        contact = Contact(state.new_id(), address, state.now(), "Account")
        state.add_contact(contact)
    contact.deleted_at = None
    _apply(state, contact, fields)
    return contact


def _checked(state: EmulatorState, row: dict[str, Any], where: str) -> dict[str, Any]:
    email = _text(row.get("email"))
    if not email:
        raise RowProblem(f"{where}: email: required (sms_number imports are not emulated)", True)
    if len(email) > 50 or not rules.EMAIL.match(email):
        raise RowProblem(
            f"{where}: email: {email!r} is not a valid email address (≤50 characters)", True
        )
    fields: dict[str, Any] = {"email": email}
    for key, value in row.items():
        text = _text(value)
        if not text or key == "email":
            continue
        limit = 255 if key.startswith("cf:") or key.endswith("street") else 50
        if len(text) > limit:
            raise RowProblem(f"{where}: {key}: longer than {limit} characters", False)
        fields[key] = text
    _check_custom_fields(state, fields, where)
    return fields


def _check_custom_fields(state: EmulatorState, fields: dict[str, Any], where: str) -> None:
    names = {f.name: f.custom_field_id for f in state.custom_fields.values()}
    custom = [k for k in fields if k.startswith("cf:")]
    if len(custom) > rules.MAX_CUSTOM_FIELDS:
        raise RowProblem(f"{where}: at most 25 custom fields per contact", False)
    for key in custom:
        if key[3:] not in names:
            raise RowProblem(f"{where}: {key}: no custom field named {key[3:]!r}", False)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _apply(state: EmulatorState, c: Contact, fields: dict[str, Any]) -> None:
    for name in NAME_FIELDS:
        if name in fields:
            setattr(c, name, fields[name])
    if "anniversary" in fields:
        c.anniversary = fields["anniversary"][:10]
    _apply_birthday(c, fields)
    _apply_phones(state, c, fields)
    _apply_address(state, c, fields)
    names = {f.name: f.custom_field_id for f in state.custom_fields.values()}
    values = dict(c.custom_fields or ())
    values.update({names[k[3:]]: v for k, v in fields.items() if k.startswith("cf:")})
    c.custom_fields = tuple(values.items())[: rules.MAX_CUSTOM_FIELDS] or None


def _apply_birthday(c: Contact, fields: dict[str, Any]) -> None:
    month, day = fields.get("birthday_month"), fields.get("birthday_day")
    if not (month and day and month.isdigit() and day.isdigit()):
        return
    if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
        c.birthday_month, c.birthday_day = int(month), int(day)


def _apply_phones(state: EmulatorState, c: Contact, fields: dict[str, Any]) -> None:
    sent = [(state.new_id(), fields[k], kind) for k, kind in PHONE_KEYS.items() if k in fields]
    if sent:
        kinds = {kind for _, _, kind in sent}
        kept = [p for p in c.phones or () if p[2] not in kinds]
        c.phones = tuple([*kept, *sent][-3:])


def _apply_address(state: EmulatorState, c: Contact, fields: dict[str, Any]) -> None:
    for prefix, kind in (("", "home"), ("home_", "home"), ("work_", "work"), ("other_", "other")):
        parts = {p: fields.get(prefix + p) for p in ADDRESS_PARTS}
        if prefix == "home_" and fields.get("home country"):
            parts["country"] = fields["home country"]
        if any(parts.values()):
            street = " ".join(v for v in (parts["street"], parts["street2"]) if v) or None
            row = (
                state.new_id(),
                kind,
                street,
                parts["city"],
                parts["state"],
                parts["zip"],
                parts["country"],
            )
            kept = [a for a in c.addresses or () if a[1] != kind]
            c.addresses = tuple([*kept, row][-3:])
