"""Which of a CiviCRM contact's phones an Account shows in each phone column.

An Account's phone columns are kinds, as Constant Contact's phones are (phone1 home,
phone2 work, phone3 mobile, fax: core/contact_fields.py). CiviCRM keeps a phone's kind
in two places: its phone type (Phone, Mobile, Fax, Pager, Voicemail) and its location
type (Home, Work, Main, Other, Billing). A Mobile is phone3 and a Fax is fax wherever
they are; another phone at a Work location is phone2, at any other location phone1.
Each column shows the first phone of its kind, primary first, then by id; reads and
writes both go through `slot_of`, so a phone written to a column reads back from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select

from listbridge.crm.civicrm.tables import LOCATION_TYPE, PHONE

#: civicrm_option_value `phone_type` values of a default install
PHONE_TYPE, MOBILE_TYPE, FAX_TYPE = 1, 2, 3
SLOTS = ("phone1", "phone2", "phone3", "fax")
WORK = "Work"
#: (location type, phone type) of a phone row listbridge adds, by Account column
NEW_PHONE = {
    "phone1": ("Home", PHONE_TYPE),
    "phone2": (WORK, PHONE_TYPE),
    "phone3": ("Home", MOBILE_TYPE),
    "fax": ("Home", FAX_TYPE),
}


def slot_of(location: str | None, phone_type: int | None) -> str:
    if phone_type == FAX_TYPE:
        return "fax"
    if phone_type == MOBILE_TYPE:
        return "phone3"
    return "phone2" if location == WORK else "phone1"


def phone_rows(contact_ids: list[int]) -> Select[Any]:
    """The contacts' phones with their location type's name, in the order shown."""
    return (
        select(PHONE, LOCATION_TYPE.c.name.label("location"))
        .outerjoin(LOCATION_TYPE, LOCATION_TYPE.c.id == PHONE.c.location_type_id)
        .where(PHONE.c.contact_id.in_(contact_ids))
        .order_by(PHONE.c.contact_id, PHONE.c.is_primary.desc(), PHONE.c.id)
    )


def shown(rows: Iterable[Any]) -> dict[str, Any]:
    """The row each column shows, of one contact's rows in the order shown."""
    found: dict[str, Any] = {}
    for row in rows:
        if row.phone:
            found.setdefault(slot_of(row.location, row.phone_type_id), row)
    return found
