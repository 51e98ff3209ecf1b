"""What the unsubscribe reconciliation reads from and writes to Constant Contact.

Reads: contacts updated since the cursor (`status=all`, which catches re-subscribes and
deleted contacts) plus contacts that opted out since the cursor (`status=unsubscribed`
with `optout_after`, facts §6: an opt-out is caught even where it leaves `updated_at`).
Writes: an unsubscribe is the client's account-initiated opt-out (a PUT that keeps the
contact's other properties); a reversal is CC's resubscribe request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.contacts import ContactPart
from listbridge.constant_contact.models import Contact
from listbridge.core.cc_records import CcContact

OPT_OUT_REASON = "Opted out in the CRM (listbridge)"
#: consent and lists are all the reconciliation reads of a contact
INCLUDE = (ContactPart.LIST_MEMBERSHIPS,)


def changed_contacts(client: ConstantContact, after: datetime | None) -> Iterator[CcContact]:
    """Contacts whose consent may have changed since `after` (every contact when None)."""
    if after is None:
        yield from _core(client.iter_contacts(status="all", include=INCLUDE))
        return
    yield from _core(client.iter_contacts(status="all", updated_after=after, include=INCLUDE))
    opted_out = client.iter_contacts(status="unsubscribed", optout_after=after, include=INCLUDE)
    yield from _core(opted_out)


def _core(contacts: Iterable[Contact]) -> Iterator[CcContact]:
    return (c.to_core() for c in contacts)


def unsubscribe_contact(
    client: ConstantContact, contact_id: str, current: Contact | None = None
) -> CcContact:
    """`current`: the contact as read just before, so the opt-out needs no second read."""
    return client.unsubscribe(contact_id, OPT_OUT_REASON, current).to_core()


def request_resubscribe(client: ConstantContact, contact_id: str, list_ids: list[str]) -> None:
    """CC e-mails the contact; it stays unsubscribed until it confirms (its own action)."""
    client.request_resubscribe(contact_id, list_ids)


def fetch_contact(client: ConstantContact, contact_id: str) -> Contact:
    return client.get_contact(contact_id, include=INCLUDE)
