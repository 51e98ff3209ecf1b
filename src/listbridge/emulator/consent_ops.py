"""The contact's own actions: the sign-up form and the resubscribe round trip.

These are the only writes that may re-subscribe an unsubscribed contact (design rule 1).
"""

from __future__ import annotations

from listbridge.emulator import contact_rules as rules
from listbridge.emulator import sms
from listbridge.emulator.contact_ops import TOP_LEVEL, on_draft
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.model import Contact
from listbridge.emulator.schemas import SignUpForm
from listbridge.emulator.state import EmulatorState


def sign_up(state: EmulatorState, body: SignUpForm) -> tuple[Contact, bool]:
    """Create or partially update, append lists, consent explicit; returns (contact, created)."""
    if not body.email_address and body.sms_channel is None:
        raise bad_request("email_address or sms_channel: one of them is required")
    address = rules.check_email(body.email_address, "email_address") if body.email_address else None
    channel = sms.from_sign_up(body.sms_channel) if body.sms_channel else None
    list_ids = rules.check_lists(state, body.list_memberships, "list_memberships")
    rules.check_birthday(body.birthday_month, body.birthday_day)
    # Matching is by e-mail address or SMS number (P:POST /contacts/sign_up_form).
    contact = state.contacts.find_email(address) if address else None
    if contact is None and channel is not None:
        contact = sms.find_sms(state, channel.sms_address)
    if channel is not None:
        sms.check_owner(state, contact, channel)
    if contact is None:
        contact = Contact(state.new_id(), address, state.now(), "Contact")
        _apply_sign_up(state, contact, body)
        if channel is not None:
            sms.set_sms(state, contact, channel, "Contact")
        state.add_contact(contact)
        contact.permission, contact.opt_in_date = "explicit", contact.created_at
        rules.add_lists(state, contact, list_ids)
        return contact, True
    _update_by_sign_up(state, contact, body, list_ids)
    if channel is not None:
        sms.set_sms(state, contact, channel, "Contact")
    if address and not contact.email:
        contact.email = address
        state.contacts.rekey_email(contact, None)
    return contact, False


def _update_by_sign_up(
    state: EmulatorState, c: Contact, body: SignUpForm, lists: list[str]
) -> None:
    if len(set(c.lists or ()) | set(lists)) > rules.MAX_LISTS:
        raise bad_request(f"list_memberships: contact {c.contact_id} would exceed 50 lists")
    on_draft(c, lambda draft: _apply_sign_up(state, draft, body))
    c.deleted_at = None
    if c.is_unsubscribed:
        rules.resubscribe_confirmed(state, c, ())
    c.permission = "explicit"
    rules.add_lists(state, c, lists)
    state.touch(c, "Contact")


def _apply_sign_up(state: EmulatorState, c: Contact, body: SignUpForm) -> None:
    """A partial update: only what the form sent; custom fields are appended."""
    for name in TOP_LEVEL:
        value = getattr(body, name)
        if value is not None:
            setattr(c, name, value)
    if body.custom_fields:
        rules.set_custom_fields(state, c, body.custom_fields, merge=True, cap=50)
    if body.phone_number:
        c.phones = (*(c.phones or ())[:2], (state.new_id(), body.phone_number, "other"))
    if body.street_address:
        rules.set_addresses(state, c, [body.street_address])


def request_resubscribe(state: EmulatorState, c: Contact, list_ids: list[str]) -> None:
    """Send the once-only confirmation e-mail; the contact stays unsubscribed until it answers."""
    if c.is_deleted:
        raise not_found("contact", c.contact_id)
    if not c.is_unsubscribed:
        raise bad_request(f"contact {c.contact_id} is not unsubscribed")
    if c.resubscribe is not None:
        raise ApiError(409, f"contact {c.contact_id}: a resubscribe confirmation was already sent")
    c.resubscribe = tuple(rules.check_lists(state, list_ids, "list_ids"))
    c.confirm_status = "pending"
    state.touch(c, "Account")


def confirm_resubscribe(state: EmulatorState, c: Contact) -> None:
    """The contact clicked the confirmation link (a test control simulates it)."""
    if not c.is_unsubscribed or not c.resubscribe:
        raise ApiError(409, f"contact {c.contact_id} has no pending resubscribe request")
    lists, c.resubscribe = c.resubscribe, ()
    rules.resubscribe_confirmed(state, c, lists)
    state.touch(c, "Contact")
