"""Values between a mapped CRM's columns and an account's fields, both ways.

A translation (`[accounts.translate]`) is the CRM's own words for a value: `P` for a
person, `'N'` in a newsletter column for an opt-out. Without one, the usual spellings
are understood. A yes/no value nobody wrote down reads as yes for the flags that stop
mail (opted out, do not contact, deceased, deleted): a person is never mailed because
listbridge misread their CRM; `crm check` lists such values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from listbridge.core.accounts import AccountType, CustomValue, FieldType

YES = frozenset({"1", "true", "t", "yes", "y", "on", "x"})
NO = frozenset({"0", "false", "f", "no", "n", "off", ""})
ORGANIZATIONS = frozenset({"organization", "organisation", "org", "o", "company", "household"})
Translation = Mapping[str, Any]


def db_key(value: object) -> str:
    """A column's value as a translation's key: TOML keys are text (1 → "1", True → "1")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def translated(table: Translation | None, value: object) -> tuple[bool, Any]:
    """(found, the account's value) by the translation table, exact then ignoring case."""
    if not table:
        return False, None
    key = db_key(value)
    if key in table:
        return True, table[key]
    folded = {k.casefold(): v for k, v in table.items()}
    if key.casefold() in folded:
        return True, folded[key.casefold()]
    # a yes/no column read through a Y/N translation: 1 is Y, 0 is N
    word = _flag_word(key)
    for written_key, meant in table.items():
        if word is not None and _flag_word(written_key) == word:
            return True, meant
    return False, None


def _flag_word(key: str) -> bool | None:
    folded = key.casefold()
    if folded in YES:
        return True
    return False if folded in NO and folded else None


def read_flag(table: Translation | None, value: object) -> bool:
    found, flag = translated(table, value)
    if found:
        return bool(flag)
    key = db_key(value).casefold()
    return key not in NO  # yes, or a value nobody wrote down: the safe side


def known_flag(table: Translation | None, value: object) -> bool:
    """Whether `read_flag` understands the value (else `crm check` reports it)."""
    return translated(table, value)[0] or db_key(value).casefold() in YES | NO


def read_type(table: Translation | None, value: object) -> AccountType:
    found, kind = translated(table, value)
    if found:
        return AccountType(kind)
    return (
        AccountType.ORGANIZATION
        if db_key(value).casefold() in ORGANIZATIONS
        else AccountType.INDIVIDUAL
    )


def known_type(table: Translation | None, value: object) -> bool:
    key = db_key(value).casefold()
    return translated(table, value)[0] or key in ORGANIZATIONS | {"", "individual", "person", "i"}


def written(table: Translation | None, value: Any, python_type: type | None) -> Any:
    """What a column takes for the account's `value`: the translation's first key for it,
    else the value itself, in the column's Python type (1/0 in a number column)."""
    if table:
        for key, meant in table.items():
            if meant == value and type(meant) is type(value):
                return _as(key, python_type)
    if isinstance(value, bool) and python_type is not bool:
        return int(value) if python_type in (int, Decimal) else ("1" if value else "0")
    if isinstance(value, AccountType):
        return value.value
    return value


def _as(key: str, python_type: type | None) -> Any:
    if python_type is bool:
        return key.casefold() in YES
    if python_type is int:
        try:
            return int(key)
        except ValueError:
            return key
    return key


def text(value: object) -> str:
    """A text field's value: "" for NULL, numbers and dates as they print."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def moment(value: object) -> datetime | None:
    """A change or creation time: naive ones are UTC, as listbridge writes them."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def field_type(python_type: type | None) -> FieldType:
    """The custom field type a column's type makes."""
    if python_type is bool:
        return FieldType.BOOLEAN
    if python_type in (int, float, Decimal):
        return FieldType.NUMBER
    if python_type in (date, datetime):
        return FieldType.DATE
    return FieldType.TEXT


def custom_value(kind: FieldType, value: object) -> CustomValue | None:
    """A custom field's value read from its column; None when the column is NULL."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind is FieldType.BOOLEAN:
        return read_flag(None, value)
    if kind is FieldType.NUMBER:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return text(value)
    if kind is FieldType.DATE and isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    return text(value)
