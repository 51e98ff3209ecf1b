"""The CRM fields a Constant Contact contact maps to (the standard-field table of issue 5/6).

home phone → phone1, work → phone2, mobile → phone3, other → fax; the first street
address → address_line1/city/state/zip/country; job title → title. A value longer
than the CRM column (CC allows a 50-character postal code, the CRM 20) is cut to fit
rather than refusing the whole contact: the column could not hold more.
"""

from __future__ import annotations

from collections.abc import Mapping

from listbridge.core.cc_records import CcContact
from listbridge.core.rows import MAX_LENGTHS
from listbridge.core.setting_values import UpdateFields
from listbridge.core.values import unstorable

PHONE_COLUMNS: Mapping[str, str] = {
    "home": "phone1",
    "work": "phone2",
    "mobile": "phone3",
    "other": "fax",
}
#: the fields import may write into an existing account (never email, never consent)
UPDATABLE = (
    "first_name",
    "last_name",
    "company_name",
    "title",
    "phone1",
    "phone2",
    "phone3",
    "fax",
    "address_line1",
    "city",
    "state",
    "zip",
    "country",
)


def crm_fields(contact: CcContact) -> dict[str, str]:
    """The contact's values by CRM column; empty values are left out."""
    fields = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company_name": contact.company_name,
        "title": contact.job_title,
    }
    for phone in contact.phones:
        # The first phone of a kind wins; an unknown kind is treated as "other".
        fields.setdefault(PHONE_COLUMNS.get(phone.kind.lower(), "fax"), phone.number)
    if contact.addresses:
        a = contact.addresses[0]
        fields |= {
            "address_line1": a.street,
            "city": a.city,
            "state": a.state,
            "zip": a.postal_code,
            "country": a.country,
        }
    return {k: _fit(k, v.strip()) for k, v in fields.items() if v and v.strip()}


def unstorable_fields(contact: CcContact) -> list[str]:
    """The CRM columns a new account would get a value for that the store cannot keep."""
    values = {"email": contact.email.strip(), **crm_fields(contact)}
    return [column for column, value in values.items() if unstorable(value)]


def storable(fields: Mapping[str, str]) -> dict[str, str]:
    """`fields` less the values the store cannot keep (`core.values.unstorable`)."""
    return {column: value for column, value in fields.items() if not unstorable(value)}


def _fit(column: str, value: str) -> str:
    return value[: MAX_LENGTHS.get(column, len(value))]


def field_updates(
    current: Mapping[str, str], incoming: Mapping[str, str], mode: UpdateFields
) -> dict[str, str]:
    """What import writes into an existing account: nothing (`none`, the default),
    only its empty fields (`empty_only`), or every field CC has a value for (`overwrite`).
    A CC value never blanks a CRM one."""
    if mode is UpdateFields.NONE:
        return {}
    wanted = {k: v for k, v in incoming.items() if k in UPDATABLE and current.get(k, "") != v}
    if mode is UpdateFields.EMPTY_ONLY:
        return {k: v for k, v in wanted.items() if not current.get(k, "")}
    return wanted
