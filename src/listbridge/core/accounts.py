"""The CRM account as the rest of listbridge sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class AccountType(StrEnum):
    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    CHOICE = "choice"


CustomValue = str | Decimal | date | bool


@dataclass(frozen=True)
class CustomFieldDef:
    """A custom field of the CRM; `choices` only matters for CHOICE fields."""

    name: str
    type: FieldType = FieldType.TEXT
    choices: tuple[str, ...] = ()


# The standard columns, in file order. Export adds EXPORT_ONLY_COLUMNS after the
# custom fields; load accepts them so that an export loads back unchanged.
STANDARD_COLUMNS: tuple[str, ...] = (
    "id",
    "type",
    "first_name",
    "middle_name",
    "last_name",
    "company_name",
    "email",
    "email2",
    "email3",
    "phone1",
    "phone2",
    "phone3",
    "fax",
    "address_line1",
    "city",
    "state",
    "zip",
    "country",
    "title",
    "individual_type",
    "deceased",
    "do_not_contact",
    "email_opt_out",
)
EXPORT_ONLY_COLUMNS: tuple[str, ...] = (
    "cc_contact_id",
    "origin_category",
    "origin_detail",
    "created_at",
    "updated_at",
)
BOOLEAN_COLUMNS: frozenset[str] = frozenset({"deceased", "do_not_contact", "email_opt_out"})
EMAIL_COLUMNS: tuple[str, ...] = ("email", "email2", "email3")
CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class Account:
    """One CRM account (an individual or an organization)."""

    id: str
    type: AccountType = AccountType.INDIVIDUAL
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str = ""
    email2: str = ""
    email3: str = ""
    phone1: str = ""
    phone2: str = ""
    phone3: str = ""
    fax: str = ""
    address_line1: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    title: str = ""
    individual_type: str = ""
    deceased: bool = False
    do_not_contact: bool = False
    email_opt_out: bool = False
    custom: Mapping[str, CustomValue] = field(default_factory=dict, hash=False)
    cc_contact_id: str = ""
    origin_category: str = ""
    origin_detail: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def emails(self) -> tuple[str, ...]:
        """Every non-empty email of the account, first one first."""
        return tuple(e for e in (self.email, self.email2, self.email3) if e)
