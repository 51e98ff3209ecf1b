"""A mapped row as an Account, and an Account's fields as the row's column values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, String

from listbridge.core.accounts import (
    BOOLEAN_COLUMNS,
    CUSTOM_PREFIX,
    Account,
    AccountType,
    CustomValue,
)
from listbridge.core.errors import AccountRefusedError
from listbridge.core.names import join_full_name, split_full_name
from listbridge.core.values import format_custom
from listbridge.crm.sqlmap.schema import Shape, python_type
from listbridge.crm.sqlmap.values import (
    custom_value,
    moment,
    read_flag,
    read_type,
    text,
    written,
)

NAME_FIELDS = ("first_name", "last_name")


def account_id(row: RowMapping, shape: Shape) -> str:
    return text(row[shape.mapping.accounts.key])


def is_deleted(row: RowMapping, shape: Shape) -> bool:
    column = shape.mapping.accounts.deleted
    if column is None:
        return False
    value = row[column]
    return value is not None and read_flag(shape.mapping.accounts.translate.get("deleted"), value)


def account_from(row: RowMapping, shape: Shape, changed_at: datetime | None = None) -> Account:
    """The Account a row makes; `changed_at` stands in for a CRM without an updated-at."""
    m = shape.mapping.accounts
    values: dict[str, Any] = {}
    custom: dict[str, CustomValue] = {}
    for field, column in m.columns.items():
        value = row[column]
        if field.startswith(CUSTOM_PREFIX):
            typed = custom_value(shape.custom_type(field), value)
            if typed is not None:
                custom[field[len(CUSTOM_PREFIX) :]] = typed
        elif field in BOOLEAN_COLUMNS:
            values[field] = value is not None and read_flag(m.translate.get(field), value)
        elif field == "type":
            values[field] = read_type(m.translate.get("type"), value)
        else:
            values[field] = text(value)
    if m.full_name:
        values["first_name"], values["last_name"] = split_full_name(text(row[m.full_name]))
    created = moment(row[m.created_at]) if m.created_at else None
    updated = moment(row[m.updated_at]) if m.updated_at else changed_at
    return Account(
        account_id(row, shape),
        **values,
        custom=custom,
        created_at=created,
        updated_at=updated,
    )


def column_values(shape: Shape, account: Account, fields: Iterable[str]) -> dict[str, Any]:
    """The columns to write for these fields of `account` (file column names, including
    `custom.<Name>`); fields the mapping does not map are left out. Refuses, naming the
    account and field, a value longer than its column."""
    m = shape.mapping.accounts
    out: dict[str, Any] = {}
    for field in fields:
        if field in NAME_FIELDS and m.full_name:
            column, value = m.full_name, join_full_name(account.first_name, account.last_name)
        elif field in m.columns:
            column, value = m.columns[field], _field_value(account, field)
        else:
            continue
        kind = python_type(shape.column(column))
        if value is None and not shape.column(column).nullable:
            value = "" if kind is str else value  # a NOT NULL text column keeps '' for none
        out[column] = written(m.translate.get(field), value, kind)
        _fits(shape, account, field, column, out[column])
    return out


def _field_value(account: Account, field: str) -> Any:
    if field.startswith(CUSTOM_PREFIX):
        value = account.custom.get(field[len(CUSTOM_PREFIX) :])
        return value if value is None or not isinstance(value, str) else value or None
    value = getattr(account, field)
    if isinstance(value, AccountType):
        return value.value
    if value == "" and field not in BOOLEAN_COLUMNS:
        return None
    return value


def _fits(shape: Shape, account: Account, field: str, column: str, value: Any) -> None:
    kind = shape.column(column).type
    limit = kind.length if isinstance(kind, String) else None
    shown = format_custom(value) if not isinstance(value, str) and value is not None else value
    if limit and isinstance(shown, str) and len(shown) > limit:
        own = getattr(account, field, shown)
        size = len(own) if isinstance(own, str) else len(shown)
        joined = f"; {len(shown)} with the other name" if size != len(shown) else ""
        detail = (
            f"{field}: {size} characters is longer than the limit of {limit} (the CRM's "
            f"column {shape.accounts.name}.{column}{joined})"
        )
        raise AccountRefusedError(f"account {account.id}", account.id, detail)
