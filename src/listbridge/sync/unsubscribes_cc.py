"""What the unsubscribe reconciliation reads from and writes to Constant Contact.

Reads: contacts updated since the cursor (`status=all`, which catches re-subscribes and
deleted contacts) plus contacts that opted out since the cursor (`status=unsubscribed`
with `optout_after`, facts §6: an opt-out is caught even where it leaves `updated_at`).
Writes: an unsubscribe is a PUT, which replaces every top-level property (facts §5.3),
so the body carries the contact's current ones; a reversal is CC's resubscribe request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import Contact
from listbridge.core.cc_records import CcContact

KEPT = ("first_name", "last_name", "job_title", "company_name", "birthday_month", "birthday_day")
OPT_OUT_REASON = "Opted out in the CRM (listbridge)"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def changed_contacts(client: ConstantContact, after: datetime | None) -> Iterator[CcContact]:
    """Contacts whose consent may have changed since `after` (every contact when None)."""
    include = "list_memberships"
    if after is None:
        yield from (c.to_core() for c in client.iter_contacts(status="all", include=include))
        return
    since = _iso(after)
    queries = ({"updated_after": since}, {"status": "unsubscribed", "optout_after": since})
    for extra in queries:
        params: dict[str, Any] = {"status": "all", "include": include, **extra}
        yield from (c.to_core() for c in client.iter_contacts(**params))


def unsubscribe_contact(client: ConstantContact, contact_id: str) -> CcContact:
    current: dict[str, Any] = client.session.json("GET", f"/contacts/{contact_id}")
    body: dict[str, Any] = {k: current[k] for k in KEPT if current.get(k) is not None}
    if current.get("anniversary"):
        body["anniversary"] = current["anniversary"]
    body["email_address"] = {
        "address": current["email_address"]["address"],
        "permission_to_send": "unsubscribed",
        "opt_out_reason": OPT_OUT_REASON,
    }
    body["update_source"] = "Account"
    return client.update_contact(contact_id, body).to_core()


def request_resubscribe(client: ConstantContact, contact_id: str, list_ids: list[str]) -> None:
    """CC e-mails the contact; it stays unsubscribed until it confirms (its own action)."""
    client.session.send("PUT", f"/contacts/resubscribe/{contact_id}", json={"list_ids": list_ids})


def fetch_contact(client: ConstantContact, contact_id: str) -> CcContact:
    found: Contact = client.get_contact(contact_id, include="list_memberships")
    return found.to_core()
