"""The wire format of the contact endpoints, kept here so callers pass typed values.

Reads: ``contact_query`` turns typed filters into ``GET /contacts`` parameters (dates as
UTC ``…Z`` instants, sub-resources as CC's ``include`` list). Writes: the bodies of
``POST``/``PUT /contacts`` made from a push's mapped row (the JSON-import keys that
``core.mapping`` produces), and the body of an account-initiated unsubscribe.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from listbridge.constant_contact.models import (
    Contact,
    ContactBody,
    EmailAddressBody,
    PhoneNumber,
    StreetAddress,
)
from listbridge.core.cc_records import Permission

ContactStatus = Literal[
    "all", "active", "deleted", "not_set", "pending_confirmation", "temp_hold", "unsubscribed"
]
Query = dict[str, str | int]


class ContactPart(StrEnum):
    """A contact's sub-resources, read only when asked for (``include=``)."""

    CUSTOM_FIELDS = "custom_fields"
    LIST_MEMBERSHIPS = "list_memberships"
    PHONE_NUMBERS = "phone_numbers"
    STREET_ADDRESSES = "street_addresses"
    TAGGINGS = "taggings"
    NOTES = "notes"


#: what a contact is read with unless the caller says otherwise
DEFAULT_PARTS = (ContactPart.CUSTOM_FIELDS, ContactPart.LIST_MEMBERSHIPS, ContactPart.TAGGINGS)
#: JSON-import keys → PUT /contacts sub-resources (facts §5.2)
_PHONES = {"home_phone": "home", "work_phone": "work", "mobile_phone": "mobile",
           "other_phone": "other"}  # fmt: skip
_ADDRESS = {"street": "street", "city": "city", "state": "state", "zip": "postal_code",
            "country": "country"}  # fmt: skip


def instant(moment: datetime) -> str:
    """A query-string date-time: UTC, ``Z``-suffixed, as CC prints its own."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def include_param(parts: Collection[ContactPart]) -> Query:
    return {"include": ",".join(ContactPart(p).value for p in parts)} if parts else {}


def contact_query(
    *,
    status: ContactStatus | None,
    email: str | None,
    lists: str | Sequence[str] | None,
    updated_after: datetime | None,
    optout_after: datetime | None,
) -> Query:
    """The filters that are set; unset ones are left to CC's defaults."""
    query: Query = {}
    if status is not None:
        query["status"] = status
    if email is not None:
        query["email"] = email
    if lists:
        query["lists"] = lists if isinstance(lists, str) else ",".join(lists)
    if updated_after is not None:
        query["updated_after"] = instant(updated_after)
    if optout_after is not None:
        query["optout_after"] = instant(optout_after)
    return query


def update_body(row: Mapping[str, str]) -> ContactBody:
    """``PUT /contacts/{id}`` from a mapped row. No permission is sent, so consent is
    untouched; the names are always sent (a PUT blanks what it omits, facts §5.3)."""
    return _from_row(row, EmailAddressBody(address=row["email"]), created=False)


def create_body(row: Mapping[str, str], list_ids: Sequence[str] = ()) -> ContactBody:
    """``POST /contacts`` from a mapped row: implied consent, as an import would give."""
    email = EmailAddressBody(address=row["email"], permission_to_send=Permission.IMPLICIT)
    return _from_row(row, email, created=True, lists=tuple(list_ids) or None)


def _from_row(
    row: Mapping[str, str],
    email: EmailAddressBody,
    *,
    created: bool,
    lists: tuple[str, ...] | None = None,
) -> ContactBody:
    phones = [
        PhoneNumber(phone_number=row[k], kind=kind) for k, kind in _PHONES.items() if k in row
    ]
    address = {name: row[k] for k, name in _ADDRESS.items() if k in row}
    return ContactBody(
        email_address=email,
        first_name=row.get("first_name", ""),
        last_name=row.get("last_name", ""),
        job_title=row.get("job_title", ""),
        company_name=row.get("company_name", ""),
        phone_numbers=tuple(phones[:3]) or None,
        street_addresses=(StreetAddress(kind="home", **address),) if address else None,
        list_memberships=lists,
        create_source="Account" if created else None,
        update_source=None if created else "Account",
    )


def unsubscribe_body(current: Contact, reason: str) -> ContactBody:
    """A PUT replaces every top-level property (facts §5.3): the contact's own are sent
    back; sub-resources, omitted, stay as they are."""
    if current.email_address is None:
        raise ValueError(f"contact {current.contact_id} has no e-mail address to unsubscribe")
    address = current.email_address.address
    return ContactBody(
        email_address=EmailAddressBody(
            address=address, permission_to_send=Permission.UNSUBSCRIBED, opt_out_reason=reason
        ),
        first_name=current.first_name,
        last_name=current.last_name,
        job_title=current.job_title,
        company_name=current.company_name,
        birthday_month=current.birthday_month,
        birthday_day=current.birthday_day,
        anniversary=current.anniversary or None,
        update_source="Account",
    )


def restore_body(current: Contact, fields: Mapping[str, str | None]) -> ContactBody:
    """``PUT /contacts/{id}`` putting back top-level properties (`runs undo`): the contact's
    other properties are sent as they are (a PUT blanks what it omits, facts §5.3), and no
    permission is sent, so its consent is untouched."""
    if current.email_address is None:
        raise ValueError(f"contact {current.contact_id} has no e-mail address")
    names = {"first_name", "last_name", "job_title", "company_name"}
    unknown = set(fields) - names
    if unknown:
        raise ValueError(f"not a top-level contact property: {', '.join(sorted(unknown))}")

    def value(name: str) -> str:
        return (fields[name] if name in fields else getattr(current, name)) or ""

    return ContactBody(
        email_address=EmailAddressBody(address=current.email_address.address),
        first_name=value("first_name"),
        last_name=value("last_name"),
        job_title=value("job_title"),
        company_name=value("company_name"),
        birthday_month=current.birthday_month,
        birthday_day=current.birthday_day,
        anniversary=current.anniversary or None,
        update_source="Account",
    )
