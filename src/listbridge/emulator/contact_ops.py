"""Contact writes behind POST/PUT/DELETE /contacts.

Writes are all-or-nothing: field changes land on a draft copy first and list memberships are
checked before they change, so a refused value (400) leaves the stored contact as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from listbridge.emulator import contact_rules as rules
from listbridge.emulator import sms
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.model import UNSUBSCRIBED, Contact
from listbridge.emulator.schemas import ContactFields, ContactPost, ContactPut
from listbridge.emulator.state import EmulatorState

TOP_LEVEL = (
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "birthday_month",
    "birthday_day",
    "anniversary",
)


def get_contact(state: EmulatorState, contact_id: str) -> Contact:
    contact = state.contacts.by_id.get(contact_id)
    if contact is None:
        raise not_found("contact", contact_id)
    return contact


def on_draft(c: Contact, change: Callable[[Contact], None]) -> None:
    """Apply ``change`` to a copy, then keep it; list memberships are left to the caller."""
    draft = Contact.load(c.dump())
    change(draft)
    for slot in Contact.__slots__:
        if slot != "lists":
            setattr(c, slot, getattr(draft, slot))


def wanted_permission(body: ContactFields) -> str | None:
    wanted = body.email_address.permission_to_send if body.email_address else None
    return rules.check_permission(wanted) if wanted else None


def create_contact(state: EmulatorState, body: ContactPost) -> Contact:
    named = body.first_name or body.last_name
    if body.email_address is None and body.sms_channel is None and not named:
        raise bad_request("a contact needs an email_address, sms_channel, first_name or last_name")
    address = rules.check_email(body.email_address.address) if body.email_address else None
    channel = sms.from_post(body.sms_channel) if body.sms_channel else None
    permission = wanted_permission(body)
    existing = state.contacts.find_email(address) if address else None
    if existing is not None and not existing.is_deleted:
        message = f"email_address.address: {address} already exists (contact {existing.contact_id})"
        raise ApiError(409, message)
    if channel is not None:
        sms.check_owner(state, existing, channel)
    if existing is not None:
        return _revive_by_create(state, existing, body, channel)
    contact = Contact(state.new_id(), address, state.now(), body.create_source)
    _apply(state, contact, body)
    if channel is not None:
        sms.set_sms(state, contact, channel, body.create_source)
    state.add_contact(contact)
    contact.opt_in_date = contact.created_at
    _initial_permission(contact, permission)
    return contact


def _initial_permission(contact: Contact, permission: str | None) -> None:
    contact.permission = permission or contact.permission
    if contact.permission == UNSUBSCRIBED:
        contact.opt_out_source, contact.opt_out_date = "Account", contact.created_at
        contact.opt_out_reason = ""


def _revive_by_create(
    state: EmulatorState, c: Contact, body: ContactPost, channel: sms.SmsChannel | None
) -> Contact:
    """A deleted contact's address can be used again: the same contact comes back."""
    _apply(state, c, body)
    if channel is not None:
        sms.set_sms(state, c, channel, body.create_source)
    c.deleted_at = None
    _permission_change(state, c, body)
    state.touch(c, body.create_source)
    return c


def replace_contact(state: EmulatorState, c: Contact, body: ContactPut) -> Contact:
    if c.is_deleted and body.update_source != "Account":
        raise bad_request("update_source: must be Account to restore a deleted contact")
    wanted_permission(body)
    address = rules.check_email(body.email_address.address) if body.email_address else None
    if address:
        rules.email_owner_conflict(state, c, address)
    channel = sms.from_post(body.sms_channel) if body.sms_channel else None
    if channel is not None:
        sms.check_owner(state, c, channel)
    _apply(state, c, body)
    if channel is not None:
        sms.set_sms(state, c, channel, body.update_source)
    if address:
        old, c.email = c.email, address
        state.contacts.rekey_email(c, old)
    c.deleted_at = None
    _permission_change(state, c, body)
    state.touch(c, body.update_source)
    return c


def _permission_change(state: EmulatorState, c: Contact, body: ContactFields) -> None:
    wanted = wanted_permission(body)
    if not wanted or wanted == c.permission:
        return
    if wanted == UNSUBSCRIBED:
        reason = body.email_address.opt_out_reason if body.email_address else None
        rules.unsubscribe(state, c, "Account", reason)
    elif not c.is_unsubscribed:
        c.permission = wanted
    # An unsubscribed contact stays unsubscribed: only its own action brings it back.


def _apply(state: EmulatorState, c: Contact, body: ContactFields) -> None:
    """Full replace of top-level fields; sub-resource arrays change only when sent."""
    rules.check_birthday(body.birthday_month, body.birthday_day)
    lists = None
    if body.list_memberships is not None:
        lists = _lists_kept(state, c, body.list_memberships)
    on_draft(c, lambda draft: _apply_fields(state, draft, body))
    if lists is not None:
        rules.set_lists(state, c, lists)


def _apply_fields(state: EmulatorState, c: Contact, body: ContactFields) -> None:
    for name in TOP_LEVEL:
        setattr(c, name, getattr(body, name))
    if body.custom_fields is not None:
        rules.set_custom_fields(state, c, body.custom_fields, merge=True)
    if body.phone_numbers is not None:
        rules.set_phones(state, c, body.phone_numbers)
    if body.street_addresses is not None:
        rules.set_addresses(state, c, body.street_addresses)
    if body.notes is not None:
        rules.set_notes(state, c, body.notes)
    if body.taggings is not None:
        rules.set_taggings(state, c, body.taggings)


def _lists_kept(state: EmulatorState, c: Contact, list_ids: list[str]) -> list[str]:
    """The lists a PUT may leave the contact on: an unsubscribed one is never added back."""
    wanted = rules.check_lists(state, list_ids, "list_memberships")
    if c.is_unsubscribed:
        return [lid for lid in wanted if lid in (c.lists or ())]
    return wanted


def delete_contact(state: EmulatorState, c: Contact) -> None:
    if c.is_deleted:
        raise not_found("contact", c.contact_id)
    c.deleted_at = state.now()
    state.touch(c)
