"""The rules the real service enforces on one contact: consent, lists, fields, limits.

Callers hold ``state.lock``. Consent is one-way here on purpose: nothing in this module
re-subscribes an unsubscribed contact except ``confirm_resubscribe`` and ``sign_up``
(both the contact's own action).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from listbridge.emulator.custom_field_rules import stored_value
from listbridge.emulator.errors import ApiError, bad_request
from listbridge.emulator.model import PERMISSIONS, UNSUBSCRIBED, Contact
from listbridge.emulator.schemas import AddressIn, CustomFieldValue, NoteIn, PhoneIn
from listbridge.emulator.state import EmulatorState

MAX_LISTS = 50
MAX_CUSTOM_FIELDS = 25
EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[A-Za-z0-9-]{2,}$")
PHONE_KINDS = ("home", "work", "mobile", "other")
ADDRESS_KINDS = ("home", "work", "other")


def check_email(address: str, where: str = "email_address.address") -> str:
    address = address.strip()
    if not EMAIL.match(address):
        raise bad_request(f"{where}: {address!r} is not a valid email address")
    return address


def check_permission(value: str) -> str:
    if value not in PERMISSIONS:
        raise bad_request(
            f"email_address.permission_to_send: {value!r} is not one of {PERMISSIONS}"
        )
    return value


def unsubscribe(state: EmulatorState, c: Contact, source: str, reason: str | None) -> None:
    """Opt out and leave every list, as the real service does; the date is the first opt-out."""
    if c.is_unsubscribed:
        return
    c.permission = UNSUBSCRIBED
    c.opt_out_source = source
    c.opt_out_date = state.stamp()
    c.opt_out_reason = reason or ""
    c.resubscribe = None
    set_lists(state, c, ())


def resubscribe_confirmed(state: EmulatorState, c: Contact, list_ids: Iterable[str]) -> None:
    c.permission = "explicit"
    c.opt_in_source = "Contact"
    c.opt_in_date = state.stamp()
    c.opt_out_source = c.opt_out_date = c.opt_out_reason = None
    c.confirm_status = "confirmed"
    add_lists(state, c, list_ids)


def check_lists(state: EmulatorState, list_ids: Iterable[str], where: str) -> list[str]:
    ids = list(dict.fromkeys(list_ids))
    for list_id in ids:
        lst = state.lists.get(list_id)
        if lst is None or lst.deleted_at is not None:
            raise bad_request(f"{where}: list {list_id} does not exist")
    return ids


def set_lists(state: EmulatorState, c: Contact, list_ids: Iterable[str]) -> None:
    new = tuple(dict.fromkeys(list_ids))
    if len(new) > MAX_LISTS:
        raise bad_request(f"contact {c.contact_id}: a contact can belong to at most 50 lists")
    old = c.lists or ()
    for list_id in set(old) - set(new):
        state.members.get(list_id, set()).discard(c.contact_id)
    for list_id in set(new) - set(old):
        state.members.setdefault(list_id, set()).add(c.contact_id)
    c.lists = new or None


def add_lists(state: EmulatorState, c: Contact, list_ids: Iterable[str]) -> bool:
    """Append lists; False (and no change) when the contact may not be added or has no room."""
    if c.is_unsubscribed:
        return False
    merged = tuple(dict.fromkeys((*(c.lists or ()), *list_ids)))
    if len(merged) > MAX_LISTS:
        return False
    set_lists(state, c, merged)
    return True


def set_custom_fields(
    state: EmulatorState, c: Contact, values: list[CustomFieldValue], merge: bool, cap: int = 25
) -> None:
    current = dict(c.custom_fields or ()) if merge else {}
    for i, item in enumerate(values):
        field = state.custom_fields.get(item.custom_field_id)
        if field is None:
            raise bad_request(
                f"custom_fields[{i}].custom_field_id: {item.custom_field_id} does not exist"
            )
        current[item.custom_field_id] = stored_value(field, item, f"custom_fields[{i}]")
    if len(current) > cap:
        raise bad_request(f"custom_fields: a contact can hold at most {cap} custom field values")
    c.custom_fields = tuple(current.items()) or None


def set_phones(state: EmulatorState, c: Contact, phones: list[PhoneIn]) -> None:
    rows = []
    for i, phone in enumerate(phones):
        kind = phone.kind or "other"
        if kind not in PHONE_KINDS:
            raise bad_request(f"phone_numbers[{i}].kind: {kind!r} is not one of {PHONE_KINDS}")
        rows.append((state.new_id(), phone.phone_number, kind))
    c.phones = tuple(rows) or None


def set_addresses(state: EmulatorState, c: Contact, addresses: list[AddressIn]) -> None:
    rows = []
    for i, a in enumerate(addresses):
        if a.kind not in ADDRESS_KINDS:
            raise bad_request(
                f"street_addresses[{i}].kind: {a.kind!r} is not one of {ADDRESS_KINDS}"
            )
        rows.append((state.new_id(), a.kind, a.street, a.city, a.state, a.postal_code, a.country))
    c.addresses = tuple(rows) or None


def set_notes(state: EmulatorState, c: Contact, notes: list[NoteIn]) -> None:
    now = state.now()
    c.notes = tuple((n.note_id or state.new_id(), now, n.content) for n in notes) or None


def set_taggings(state: EmulatorState, c: Contact, tag_ids: list[str]) -> None:
    for i, tag_id in enumerate(tag_ids):
        if tag_id not in state.tags:
            raise bad_request(f"taggings[{i}]: tag {tag_id} does not exist")
    c.taggings = tuple(dict.fromkeys(tag_ids)) or None


def check_birthday(month: int | None, day: int | None) -> None:
    if (month is None) != (day is None):
        raise bad_request("birthday_month and birthday_day must be sent together")


def email_owner_conflict(state: EmulatorState, c: Contact | None, address: str) -> None:
    owner = state.contacts.find_email(address)
    if owner is not None and owner is not c:
        raise ApiError(
            409, f"email_address.address: {address} already belongs to contact {owner.contact_id}"
        )
