"""Where each file column of an Account lives in Vtiger, and the values on both sides.

A contact is one vtiger_crmentity row (setype Contacts) and its rows in
vtiger_contactdetails, vtiger_contactaddress and vtiger_contactsubdetails; the
columns below say which holds what. The rest of an Account is either derived
(company_name: the linked organisation, see organisations.py) or has no place in
Vtiger and is always the same (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Table

from listbridge.core.accounts import Account
from listbridge.core.errors import UserError
from listbridge.core.values import format_custom
from listbridge.crm.vtiger.tables import CONTACTADDRESS, CONTACTDETAILS, CONTACTSUBDETAILS

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Field:
    """A Vtiger column that holds one file column of an Account."""

    table: Table
    name: str

    @property
    def column(self) -> Column[Any]:
        return self.table.c[self.name]

    @property
    def width(self) -> int:
        length: int = self.column.type.length  # type: ignore[attr-defined]
        return length


#: file column → its Vtiger column (the three phones as the import fills them:
#: phone1 home, phone2 work, phone3 mobile)
FIELDS: Mapping[str, Field] = {
    "first_name": Field(CONTACTDETAILS, "firstname"),
    "last_name": Field(CONTACTDETAILS, "lastname"),
    "email": Field(CONTACTDETAILS, "email"),
    "email2": Field(CONTACTDETAILS, "secondaryemail"),
    "email3": Field(CONTACTDETAILS, "otheremail"),
    "phone1": Field(CONTACTSUBDETAILS, "homephone"),
    "phone2": Field(CONTACTDETAILS, "phone"),
    "phone3": Field(CONTACTDETAILS, "mobile"),
    "fax": Field(CONTACTDETAILS, "fax"),
    "title": Field(CONTACTDETAILS, "title"),
    "address_line1": Field(CONTACTADDRESS, "mailingstreet"),
    "city": Field(CONTACTADDRESS, "mailingcity"),
    "state": Field(CONTACTADDRESS, "mailingstate"),
    "zip": Field(CONTACTADDRESS, "mailingzip"),
    "country": Field(CONTACTADDRESS, "mailingcountry"),
}
EMAILS = frozenset({"email", "email2", "email3"})
#: columns Vtiger has no place for, with the one value they always read as
FIXED: Mapping[str, object] = {
    "middle_name": "",
    "individual_type": "",
    "deceased": False,
    "do_not_contact": False,
}
WHY_FIXED: Mapping[str, str] = {
    "middle_name": "Vtiger contacts have no middle name",
    "individual_type": "Vtiger contacts have no individual type",
    "deceased": "Vtiger contacts have no deceased flag",
    "do_not_contact": "Vtiger has no do-not-contact flag (its Do Not Call is for phone calls)",
}
#: what Vtiger's checkboxes hold
CHECKED, UNCHECKED = "1", "0"


#: what a set checkbox reads as: '1' (older releases also wrote 'on' or 'yes')
CHECKED_TEXTS = ("1", "on", "yes", "true")


def is_checked(text: str | None) -> bool:
    return (text or "").strip().lower() in CHECKED_TEXTS


def fitted(account_id: str, column: str, value: str) -> str:
    """`value` as its Vtiger column keeps it: cut to the column's width, as the import
    cuts a value to the CRM column; an e-mail address cut would be wrong, so it is refused."""
    width = FIELDS[column].width
    if len(value) <= width:
        return value
    if column in EMAILS:
        raise UserError(
            f"account {account_id!r}, {column}: {len(value)} characters is longer than the "
            f"{width} Vtiger keeps for an e-mail address"
        )
    return value[:width]


def contact_label(first_name: str, last_name: str) -> str:
    """The record label Vtiger shows and searches (its entity name: first, last)."""
    return f"{first_name} {last_name}".strip()


def to_db(moment: datetime) -> datetime:
    """Vtiger's DATETIME: UTC (its config.inc.php default_timezone), whole seconds."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def from_db(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def account_from_row(row: Mapping[Any, Any]) -> Account:
    """A row of reads.contact_query: columns labelled with the Account's names."""
    text: dict[str, Any] = {column: row[column] or "" for column in FIELDS}
    return Account(
        id=str(row["id"]),
        company_name=row["company_name"] or "",
        email_opt_out=is_checked(row["email_opt_out"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        **text,
    )


def journal_text(value: object) -> str | None:
    """How a value reads in listbridge's journal, as the builtin CRM writes it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, str):
        return value
    return format_custom(value)  # type: ignore[arg-type]
