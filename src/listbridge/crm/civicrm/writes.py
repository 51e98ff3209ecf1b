"""Writing Accounts into CiviCRM's tables as CiviCRM itself fills them.

A new contact gets what CiviCRM's own create gives it: contact_type, display_name and
sort_name in its default formats, a random hash, created and modified dates, and a
primary civicrm_email row (default location type, not billing, not on hold, not for
bulk mail); phones and an address when the account has them. An update writes the
columns it names and always modified_date, which CiviCRM moves on every change.

The emails of an Account are the contact's first three rows, primary first, then by
id. Writing them is positional: the n-th value goes into the n-th row, a missing row
is added, a row whose value is cleared is deleted; rows after the third are never
touched. Phones go by kind (phones.py): each column's value goes into the row that
column shows, a missing one is added with the column's kind, a cleared one deleted.
An email row whose address changes is taken off hold, as CiviCRM does when an address
is edited. One row of each kind stays primary.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, true, update

from listbridge.core.accounts import Account, AccountType
from listbridge.core.errors import AccountRefusedError
from listbridge.crm.civicrm.mapping import (
    ADDRESS_COLUMNS,
    CONTACT_COLUMNS,
    EMAIL_SLOTS,
    INDIVIDUAL,
    ORGANIZATION,
    company_column,
    contact_names,
)
from listbridge.crm.civicrm.phones import NEW_PHONE, SLOTS, phone_rows, shown
from listbridge.crm.civicrm.places import UnplacedError, country_id, location_type_id, state_id
from listbridge.crm.civicrm.reads import SHOWN, ordered_rows
from listbridge.crm.civicrm.tables import ADDRESS, CONTACT, EMAIL, GROUP_CONTACT, PHONE

#: the columns display_name and sort_name are made of
NAME_SOURCES = frozenset({"first_name", "last_name", "company_name", *EMAIL_SLOTS})


class ContactWriter:
    """Writes in one CiviCRM transaction (`conn`), looking up location types once."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._locations: dict[str, int] = {}

    def insert(self, account: Account, record: str, created: datetime, modified: datetime) -> int:
        kind = ORGANIZATION if account.type is AccountType.ORGANIZATION else INDIVIDUAL
        display, sort = contact_names(account, kind)
        values: dict[str, Any] = {
            "contact_type": kind,
            company_column(kind): account.company_name or None,
            "display_name": display,
            "sort_name": sort,
            # CiviCRM's own: a random 32-character key for checksums in mail links
            "hash": secrets.token_hex(16),
            "is_deleted": False,
            "created_date": created,
            "modified_date": modified,
        }
        values |= {c: _stored(getattr(account, a)) for a, c in CONTACT_COLUMNS.items()}
        inserted = self.conn.execute(insert(CONTACT).values(values)).inserted_primary_key
        assert inserted is not None
        contact_id = int(inserted[0])
        self._new_details(contact_id, record, account)
        return contact_id

    def update(self, new: Account, columns: frozenset[str], at: datetime) -> None:
        contact_id = int(new.id)
        kind = self.conn.scalar(select(CONTACT.c.contact_type).where(CONTACT.c.id == contact_id))
        values: dict[str, Any] = {"modified_date": at}
        values |= {c: _stored(getattr(new, a)) for a, c in CONTACT_COLUMNS.items() if a in columns}
        if "company_name" in columns:
            values[company_column(kind)] = new.company_name or None
        if columns & NAME_SOURCES:
            values["display_name"], values["sort_name"] = contact_names(new, kind or INDIVIDUAL)
        self.conn.execute(update(CONTACT).where(CONTACT.c.id == contact_id).values(values))
        self._write_details(contact_id, f"account {new.id}", new, columns)

    def _new_details(self, contact_id: int, record: str, account: Account) -> None:
        """The rows of a new contact: the first email and the first phone primary."""
        emails = [e for e in (getattr(account, c) for c in EMAIL_SLOTS) if e]
        rows = [_new_email(contact_id, self._location(), e, i == 0) for i, e in enumerate(emails)]
        if rows:
            self.conn.execute(insert(EMAIL), rows)
        phones = [(s, getattr(account, s)) for s in SLOTS if getattr(account, s)]
        rows = [self._new_phone(contact_id, *p, i == 0) for i, p in enumerate(phones)]
        if rows:
            self.conn.execute(insert(PHONE), rows)
        if any(getattr(account, c) for c in ADDRESS_COLUMNS):
            self.conn.execute(
                insert(ADDRESS).values(self._new_address(contact_id, record, account))
            )

    def _write_details(
        self, contact_id: int, record: str, account: Account, columns: frozenset[str]
    ) -> None:
        if columns & frozenset(EMAIL_SLOTS):
            self._emails(contact_id, [getattr(account, c) for c in EMAIL_SLOTS])
        if columns & frozenset(SLOTS):
            self._phones(contact_id, account)
        if columns & frozenset(ADDRESS_COLUMNS):
            self._address(contact_id, record, account)

    def _emails(self, contact_id: int, wanted: Sequence[str]) -> None:
        rows = [r for r in self.conn.execute(ordered_rows(EMAIL, contact_id)) if r.email][:SHOWN]
        values = [w for w in wanted if w]
        for row, value in zip(rows, values, strict=False):
            if row.email != value:
                changed = {"email": value, "on_hold": 0, "hold_date": None}
                self.conn.execute(update(EMAIL).where(EMAIL.c.id == row.id).values(changed))
        for value in values[len(rows) :]:
            new = _new_email(contact_id, self._location(), value, primary=False)
            self.conn.execute(insert(EMAIL).values(new))
        gone = [row.id for row in rows[len(values) :]]
        if gone:
            # a membership may name the address it goes to; it falls back to the primary
            unlink = update(GROUP_CONTACT).where(GROUP_CONTACT.c.email_id.in_(gone))
            self.conn.execute(unlink.values(email_id=None))
            self.conn.execute(delete(EMAIL).where(EMAIL.c.id.in_(gone)))
        self._keep_one_primary(EMAIL, contact_id)

    def _phones(self, contact_id: int, account: Account) -> None:
        rows = shown(self.conn.execute(phone_rows([contact_id])))
        gone = []
        for slot in SLOTS:
            value, row = getattr(account, slot), rows.get(slot)
            if row is None and value:
                self.conn.execute(insert(PHONE).values(self._new_phone(contact_id, slot, value)))
            elif row is not None and not value:
                gone.append(row.id)
            elif row is not None and row.phone != value:
                changed = {"phone": value, "phone_numeric": _digits(value)}
                self.conn.execute(update(PHONE).where(PHONE.c.id == row.id).values(changed))
        if gone:
            self.conn.execute(delete(PHONE).where(PHONE.c.id.in_(gone)))
        self._keep_one_primary(PHONE, contact_id)

    def _new_phone(
        self, contact_id: int, slot: str, phone: str, primary: bool = False
    ) -> dict[str, Any]:
        location, kind = NEW_PHONE[slot]
        return {
            "contact_id": contact_id,
            "location_type_id": self._location(location),
            "is_primary": primary,
            "is_billing": False,
            "phone": phone,
            "phone_numeric": _digits(phone),
            "phone_type_id": kind,
        }

    def _address(self, contact_id: int, record: str, account: Account) -> None:
        values = self._address_values(record, account)
        current = self.conn.execute(ordered_rows(ADDRESS, contact_id).limit(1)).first()
        if current is not None:
            self.conn.execute(update(ADDRESS).where(ADDRESS.c.id == current.id).values(values))
        elif any(v is not None for v in values.values()):
            self.conn.execute(
                insert(ADDRESS).values(self._new_address(contact_id, record, account))
            )

    def _new_address(self, contact_id: int, record: str, account: Account) -> dict[str, Any]:
        fixed = {"contact_id": contact_id, "location_type_id": self._location()}
        fixed |= {"is_primary": True, "is_billing": False, "manual_geo_code": False}
        return fixed | self._address_values(record, account)

    def _address_values(self, record: str, account: Account) -> dict[str, Any]:
        try:
            country = country_id(self.conn, account.country)
            state = state_id(self.conn, account.state, country)
        except UnplacedError as error:
            raise AccountRefusedError(record, account.id, str(error)) from None
        return {
            "street_address": account.address_line1 or None,
            "city": account.city or None,
            "postal_code": account.zip or None,
            "country_id": country,
            "state_province_id": state,
        }

    def _keep_one_primary(self, table: Table, contact_id: int) -> None:
        mine = table.c.contact_id == contact_id
        if self.conn.scalar(select(table.c.id).where(mine, table.c.is_primary == true())):
            return
        first = self.conn.scalar(select(func.min(table.c.id)).where(mine))
        if first is not None:
            self.conn.execute(update(table).where(table.c.id == first).values(is_primary=True))

    def _location(self, name: str = "") -> int:
        if name not in self._locations:
            self._locations[name] = location_type_id(self.conn, name or None)
        return self._locations[name]


def _new_email(contact_id: int, location: int, email: str, primary: bool) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "location_type_id": location,
        "email": email,
        "is_primary": primary,
        "is_billing": False,
        "on_hold": 0,
        "is_bulkmail": False,
    }


def _stored(value: str | bool) -> str | bool | None:
    """CiviCRM keeps NULL, not an empty string, for a value not given."""
    return None if value == "" else value


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isascii() and c.isdigit())
