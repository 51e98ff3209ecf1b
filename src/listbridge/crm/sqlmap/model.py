"""The mapping file's shape, checked on load: every key a mapping may have, and what
each means. parse.py turns a refusal into a message naming the file's line."""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from listbridge.core.accounts import BOOLEAN_COLUMNS, CUSTOM_PREFIX, STANDARD_COLUMNS

#: the account fields a column can hold (the key is `key`, the times are their own keys)
FIELDS: tuple[str, ...] = tuple(c for c in STANDARD_COLUMNS if c != "id")
#: the fields a translation may apply to, besides the booleans
TRANSLATABLE = frozenset({"type", "individual_type", "deleted", *BOOLEAN_COLUMNS})
Scalar = str | int | float | bool


class KeyedError(ValueError):
    """A refusal of one key of a table (a column's field, a translation): parse.py names
    the line of that key, not of the table."""

    def __init__(self, key: str | tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = key if isinstance(key, tuple) else (key,)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Accounts(Strict):
    #: the table (or view) holding one row per account
    table: str
    #: its key column: the account's id, unique and never changed
    key: str
    #: how a new account gets its key: the database numbers it (an auto-increment or
    #: serial key), or listbridge gives it a new UUID (a text key)
    new_keys: Literal["database", "uuid"] = "database"
    #: the column the CRM stamps on every change; without it, listbridge detects
    #: changes by comparing each row with the fingerprint it kept of it
    updated_at: str | None = None
    created_at: str | None = None
    #: a column that marks an account deleted (archived, in the trash): not synced
    deleted: str | None = None
    #: a single name column, split into first and last name on read, joined on write
    full_name: str | None = None
    #: account field (design.md's names, `custom.<Name>` for a custom field) → column
    columns: dict[str, str] = Field(default_factory=dict)
    #: field → {value in the database → value of the account}
    translate: dict[str, dict[str, Scalar]] = Field(default_factory=dict)
    #: column → value, written into every new row (NOT NULL columns the fields don't fill)
    defaults: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        for name in columns:
            if name not in FIELDS and not _custom(name):
                raise KeyedError(name, f"unknown account field {name!r}{_nearest(name)}")
        return columns

    @field_validator("translate")
    @classmethod
    def _translatable(cls, translate: dict[str, dict[str, Scalar]]) -> dict[str, dict[str, Scalar]]:
        for name, table in translate.items():
            if name not in TRANSLATABLE:
                known = ", ".join(sorted(TRANSLATABLE))
                raise KeyedError(name, f"{name!r} has no translation (those that have: {known})")
            for value in table.values():
                _check_translated(name, value)
        return translate

    @model_validator(mode="after")
    def _one_name_source(self) -> Accounts:
        if self.full_name and {"first_name", "last_name"} & set(self.columns):
            raise ValueError(
                "full_name and columns.first_name/last_name both name the person's name: "
                "keep full_name for a CRM with one name column, or the two columns"
            )
        if "email" not in self.columns:
            raise ValueError("columns.email is required: listbridge matches people by address")
        return self


class Groups(Strict):
    """The CRM's lists: one row per list."""

    table: str
    key: str
    name: str
    new_keys: Literal["database", "uuid"] = "database"
    defaults: dict[str, Scalar] = Field(default_factory=dict)


class Members(Strict):
    """Who is on which list: one row per account and list."""

    table: str
    account: str
    group: str
    #: a status column (as CiviCRM keeps one); rows with another value are not members
    status: str | None = None
    member_value: Scalar = "Added"
    #: what a removal sets the status to (with a status column); without one, the row goes
    removed_value: Scalar = "Removed"
    defaults: dict[str, Scalar] = Field(default_factory=dict)


class Database(Strict):
    #: the SQLAlchemy URL; `crm use sql --url` instead keeps the password out of the file
    url: str | None = None


class Mapping(Strict):
    database: Database = Database()
    #: true: listbridge writes nothing (an import reports what it would have created,
    #: an unsubscribe what it would have opted out)
    read_only: bool = False
    accounts: Accounts
    groups: Groups | None = None
    members: Members | None = None

    @model_validator(mode="after")
    def _groups_with_members(self) -> Mapping:
        if (self.groups is None) != (self.members is None):
            raise ValueError("groups and members come together: the lists and who is on them")
        if not self.read_only and "email_opt_out" not in self.accounts.columns:
            raise KeyedError(
                ("accounts", "columns"),
                "accounts.columns.email_opt_out is required: an unsubscribe in Constant "
                "Contact must reach the CRM (or set read_only = true)",
            )
        return self


def _custom(name: str) -> bool:
    return name.startswith(CUSTOM_PREFIX) and bool(name[len(CUSTOM_PREFIX) :].strip())


def _check_translated(field: str, value: Scalar) -> None:
    if field == "type" and value not in ("individual", "organization"):
        raise KeyedError(field, f"type translates to individual or organization, not {value!r}")
    if field in BOOLEAN_COLUMNS | {"deleted"} and not isinstance(value, bool):
        raise KeyedError(field, f"{field} translates to true or false, not {value!r}")


def _nearest(name: str) -> str:
    close = difflib.get_close_matches(name, FIELDS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
