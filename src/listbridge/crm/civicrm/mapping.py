"""A CiviCRM contact as an Account, and the Account changes CiviCRM can take.

Pure: rows in, Accounts out; changes in, a checked Account or a UserError out. The
decisions are listed in the package docstring (crm/civicrm/__init__.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping

from listbridge.core.accounts import (
    BOOLEAN_COLUMNS,
    CUSTOM_PREFIX,
    Account,
    AccountType,
)
from listbridge.core.errors import AccountRefusedError
from listbridge.core.values import format_custom

INDIVIDUAL, ORGANIZATION, HOUSEHOLD = "Individual", "Organization", "Household"
#: CiviCRM keeps a multi-valued column (contact_sub_type) between these.
SEPARATOR = "\x01"
EMAIL_SLOTS = ("email", "email2", "email3")
PHONE_SLOTS = ("phone1", "phone2", "phone3")
ADDRESS_COLUMNS = ("address_line1", "city", "state", "zip", "country")
#: Account column → civicrm_contact column, for the columns kept on the contact row.
CONTACT_COLUMNS: Mapping[str, str] = {
    "first_name": "first_name",
    "middle_name": "middle_name",
    "last_name": "last_name",
    "title": "job_title",
    "origin_detail": "source",
    "deceased": "is_deceased",
    "do_not_contact": "do_not_email",
    "email_opt_out": "is_opt_out",
}
#: The lengths of the CiviCRM columns each Account column is written to.
LIMITS: Mapping[str, int] = {
    "first_name": 64, "middle_name": 64, "last_name": 64, "company_name": 128,
    "email": 254, "email2": 254, "email3": 254,
    "phone1": 32, "phone2": 32, "phone3": 32, "fax": 32,
    "address_line1": 96, "city": 64, "state": 64, "zip": 64, "country": 64,
    "title": 255, "origin_detail": 255,
}  # fmt: skip
WRITABLE = frozenset({*CONTACT_COLUMNS, *EMAIL_SLOTS, *PHONE_SLOTS, "fax", "company_name"})
WRITABLE |= frozenset(ADDRESS_COLUMNS)
#: Columns an Account has that CiviCRM does not keep, and why.
NOT_KEPT: Mapping[str, str] = {
    "type": "CiviCRM does not change a contact's type",
    "individual_type": "CiviCRM contact subtypes are not written by listbridge",
    "cc_contact_id": "listbridge keeps the Constant Contact link itself, not in CiviCRM",
    "origin_category": "CiviCRM keeps only the contact's source (origin_detail)",
}
NO_CUSTOM = "CiviCRM custom fields are not synced yet"


def account_type(contact_type: str | None) -> AccountType:
    """Organizations and households are organizations: neither is a person to mail."""
    return (
        AccountType.INDIVIDUAL if contact_type in (None, INDIVIDUAL) else AccountType.ORGANIZATION
    )


def company_column(contact_type: str | None) -> str:
    return "household_name" if contact_type == HOUSEHOLD else "organization_name"


def account_from(
    contact: RowMapping,
    emails: Sequence[str],
    phones: Mapping[str, str],
    address: Mapping[str, str],
) -> Account:
    """The Account a contact row and its first emails, phones (by column) and address
    make."""
    kind = contact["contact_type"]
    values: dict[str, Any] = {
        a: bool(contact[c]) if a in BOOLEAN_COLUMNS else contact[c] or ""
        for a, c in CONTACT_COLUMNS.items()
    }
    values |= dict(zip(EMAIL_SLOTS, emails, strict=False))
    values |= dict(phones) | dict(address)
    subtypes = (contact["contact_sub_type"] or "").split(SEPARATOR)
    return Account(
        id=str(contact["id"]),
        type=account_type(kind),
        company_name=contact[company_column(kind)] or "",
        individual_type=", ".join(s for s in subtypes if s),
        created_at=contact["created_date"],
        updated_at=contact["modified_date"],
        **values,
    )


def contact_names(account: Account, contact_type: str) -> tuple[str | None, str | None]:
    """display_name and sort_name as CiviCRM's default formats make them.

    An individual shows as "First Last" and sorts as "Last, First"; one without a
    name goes by its email, as CiviCRM does. Organizations and households by name.
    """
    if contact_type != INDIVIDUAL:
        name = account.company_name.strip()[:128] or None
        return name, name
    first, last = account.first_name.strip(), account.last_name.strip()
    email = next(iter(account.emails), "")
    display = " ".join(p for p in (first, last) if p) or email
    sort = ", ".join(p for p in (last, first) if p) or email
    return display[:128] or None, sort[:128] or None


def applied(old: Account, changes: Mapping[str, object]) -> Account:
    """`old` with `changes` applied; refuses what CiviCRM cannot keep, naming why."""
    values: dict[str, Any] = {}
    for column, value in changes.items():
        if column.startswith(CUSTOM_PREFIX):
            raise AccountRefusedError(f"account {old.id}", old.id, f"{column}: {NO_CUSTOM}")
        if column in NOT_KEPT and value == getattr(old, column):
            continue  # what it already is: nothing to refuse
        if column not in WRITABLE:
            why = f": {NOT_KEPT[column]}" if column in NOT_KEPT else ""
            detail = f"column {column!r} cannot be updated{why}"
            raise AccountRefusedError(f"account {old.id}", old.id, detail)
        values[column] = checked(f"account {old.id}", old.id, column, value)
    return dataclasses.replace(old, **values)


def checked(record: str, account_id: str, column: str, value: object) -> str | bool:
    if column in BOOLEAN_COLUMNS:
        if not isinstance(value, bool):
            detail = f"{column}: {value!r} is not true or false"
            raise AccountRefusedError(record, account_id, detail)
        return value
    text = "" if value is None else value
    if not isinstance(text, str):
        raise AccountRefusedError(record, account_id, f"{column}: {value!r} is not text")
    text = text.strip()
    limit = LIMITS[column]
    if len(text) > limit:
        detail = f"{column}: {len(text)} characters is longer than the limit of {limit}"
        raise AccountRefusedError(record, account_id, detail)
    return text


def check_new(account: Account) -> Account:
    """A new account as CiviCRM will keep it (values trimmed), or why it cannot."""
    record, key = f"new account {account.id}", account.id
    if account.custom:
        raise AccountRefusedError(record, key, f"custom.{min(account.custom)}: {NO_CUSTOM}")
    if account.individual_type:
        detail = f"individual_type: {NOT_KEPT['individual_type']}"
        raise AccountRefusedError(record, key, detail)
    values: dict[str, Any] = {c: checked(record, key, c, getattr(account, c)) for c in LIMITS}
    if account.type is AccountType.ORGANIZATION and not values["company_name"]:
        raise AccountRefusedError(record, key, "company_name: an organization needs a company_name")
    return dataclasses.replace(account, **values)


def journal_text(value: object) -> str | None:
    """How a value reads in the journal (as the builtin CRM writes it)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool | str):
        return format_custom(value)
    return str(value)
