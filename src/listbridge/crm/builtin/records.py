"""Accounts to table rows and back, and custom values in their canonical text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from listbridge.core.accounts import Account, AccountType, CustomFieldDef, CustomValue, FieldType
from listbridge.core.values import format_custom, parse_custom
from listbridge.store.models import CrmAccount, CrmCustomField, CrmCustomValue

Clock = Callable[[], datetime]
ACCOUNTS: Table = CrmAccount.__table__  # type: ignore[assignment]
FIELDS: Table = CrmCustomField.__table__  # type: ignore[assignment]
VALUES: Table = CrmCustomValue.__table__  # type: ignore[assignment]
#: The account columns of the table, besides the connection: every Account field but `custom`.
ACCOUNT_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in dataclass_fields(Account) if f.name != "custom"
)
# A SQL statement holds at most this many ids in one IN (…): well under every limit.
IN_CHUNK = 900


def utc_now() -> datetime:
    return datetime.now(UTC)


def account_from_row(row: Mapping[Any, Any], custom: Mapping[str, CustomValue]) -> Account:
    values = {column: row[column] for column in ACCOUNT_COLUMNS}
    values["type"] = AccountType(values["type"])
    return Account(**values, custom=dict(custom))


def changed_columns(
    old: Account, new: Account, columns: Iterable[str]
) -> dict[str, tuple[Any, Any]]:
    """column → (old, new) for each of `columns` whose value differs (custom.<Name> too)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for column in columns:
        before, after = column_value(old, column), column_value(new, column)
        if before != after:
            changes[column] = (before, after)
    return changes


def column_value(account: Account, column: str) -> Any:
    if column.startswith("custom."):
        return account.custom.get(column[len("custom.") :])
    return getattr(account, column)


def journal_text(value: Any) -> str | None:
    """How a value reads in the journal: canonical text, None for "no value"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return format_custom(value) if not isinstance(value, str) else value


class FieldCatalog:
    """The custom field definitions of one connection, by name, with their ids."""

    def __init__(self, rows: Iterable[Mapping[Any, Any]]) -> None:
        self.ids: dict[str, int] = {}
        self.defs: dict[str, CustomFieldDef] = {}
        for row in rows:
            self.add(
                row["id"],
                CustomFieldDef(row["name"], FieldType(row["type"]), tuple(row["choices"])),
            )

    @classmethod
    def read(cls, session: Session, connection_id: int) -> FieldCatalog:
        query = (
            select(FIELDS).where(FIELDS.c.connection_id == connection_id).order_by(FIELDS.c.name)
        )
        return cls(session.execute(query).mappings())

    def add(self, field_id: int, field: CustomFieldDef) -> None:
        self.ids[field.name] = field_id
        self.defs[field.name] = field

    def names_by_id(self) -> dict[int, str]:
        return {field_id: name for name, field_id in self.ids.items()}


def read_custom(
    session: Session, connection_id: int, account_ids: list[str], catalog: FieldCatalog
) -> dict[str, dict[str, CustomValue]]:
    """account id → its custom values, typed by their field definitions."""
    names = catalog.names_by_id()
    found: dict[str, dict[str, CustomValue]] = {}
    for start in range(0, len(account_ids), IN_CHUNK):
        chunk = account_ids[start : start + IN_CHUNK]
        query = select(VALUES.c.account_id, VALUES.c.field_id, VALUES.c.value).where(
            VALUES.c.connection_id == connection_id, VALUES.c.account_id.in_(chunk)
        )
        for account_id, field_id, text in session.execute(query):
            name = names[field_id]
            found.setdefault(account_id, {})[name] = parse_custom(catalog.defs[name], text)
    return found


def has_accounts(session: Session, connection_id: int) -> bool:
    query = select(ACCOUNTS.c.id).where(ACCOUNTS.c.connection_id == connection_id).limit(1)
    return session.execute(query).first() is not None


def read_accounts(
    session: Session,
    connection_id: int,
    account_ids: list[str],
    catalog: FieldCatalog,
    *,
    live_only: bool = False,
) -> dict[str, Account]:
    """The stored accounts among `account_ids`, with their custom values.

    `live_only` leaves out the accounts `crm delete` marked (crm/builtin/deletion.py);
    writers read them all, so a write to a deleted account still lands.
    """
    rows: list[Mapping[Any, Any]] = []
    for start in range(0, len(account_ids), IN_CHUNK):
        chunk = account_ids[start : start + IN_CHUNK]
        query = select(ACCOUNTS).where(
            ACCOUNTS.c.connection_id == connection_id, ACCOUNTS.c.id.in_(chunk)
        )
        if live_only:
            query = query.where(ACCOUNTS.c.deleted_at.is_(None))
        rows.extend(session.execute(query).mappings())
    custom = read_custom(session, connection_id, [row["id"] for row in rows], catalog)
    return {row["id"]: account_from_row(row, custom.get(row["id"], {})) for row in rows}
