"""Batched writes of accounts and custom values: one statement per batch, many rows.

Both the adapter (one account at a time) and `crm load` (thousands) write
through here, so a value is stored the same way whichever path wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import and_, bindparam, delete, text, update
from sqlalchemy.orm import Session

from listbridge.core.accounts import Account, CustomFieldDef, FieldType
from listbridge.core.values import format_custom
from listbridge.crm.builtin.bulk import bulk_insert
from listbridge.crm.builtin.fields import define
from listbridge.crm.builtin.records import ACCOUNT_COLUMNS, ACCOUNTS, VALUES, FieldCatalog


def ensure_fields(
    session: Session,
    connection_id: int,
    catalog: FieldCatalog,
    values: Mapping[str, object],
    at: datetime,
) -> None:
    """Define every custom field of `values` not defined yet: typed like its value, else text.

    File rows give text, so a field a file introduces is a text field; an
    adapter caller giving a Decimal, a date or a bool gets a field of that type.
    """
    for name in sorted(values.keys() - catalog.ids.keys()):
        define(session, connection_id, catalog, CustomFieldDef(name, _type_of(values[name])), at)


def _type_of(value: object) -> FieldType:
    if isinstance(value, bool):
        return FieldType.BOOLEAN
    if isinstance(value, Decimal):
        return FieldType.NUMBER
    if isinstance(value, date):
        return FieldType.DATE
    return FieldType.TEXT


def insert_accounts(
    session: Session,
    connection_id: int,
    accounts: Sequence[Account],
    catalog: FieldCatalog,
    rows: list[list[Any]] | None = None,
    created_run_id: int | None = None,
) -> None:
    """Insert new accounts: their `account_values`, or `rows` the caller completed;
    `created_run_id`: the `crm load` creating them (store/journal.py)."""
    if rows is None:
        rows = [account_values(connection_id, a) for a in accounts]
    if created_run_id is None:
        bulk_insert(session, ACCOUNTS, _INSERT_COLUMNS, rows)
    else:
        marked = [[*row, created_run_id] for row in rows]
        bulk_insert(session, ACCOUNTS, (*_INSERT_COLUMNS, "created_run_id"), marked)
    values = [
        [connection_id, account.id, catalog.ids[name], format_custom(value)]
        for account in accounts
        for name, value in account.custom.items()
    ]
    bulk_insert(session, VALUES, _VALUE_COLUMNS, values)


_INSERT_COLUMNS = ("connection_id", *ACCOUNT_COLUMNS)
_VALUE_COLUMNS = ("connection_id", "account_id", "field_id", "value")
_TYPE = _INSERT_COLUMNS.index("type")
_ACCOUNT_VALUES = attrgetter(*ACCOUNT_COLUMNS)


def position(column: str) -> int:
    """Where `column` is in a row of `account_values`."""
    return _INSERT_COLUMNS.index(column)


def account_values(connection_id: int, account: Account) -> list[Any]:
    """The row `insert_accounts` writes: values by `position`."""
    values = [connection_id, *_ACCOUNT_VALUES(account)]
    values[_TYPE] = str(account.type)
    return values


def update_accounts(
    session: Session, connection_id: int, columns: Sequence[str], accounts: Sequence[Account]
) -> None:
    """Write `columns` (table columns, not custom ones) of each account."""
    if not accounts or not columns:
        return
    statement = (
        update(ACCOUNTS)
        .where(and_(ACCOUNTS.c.connection_id == connection_id, ACCOUNTS.c.id == bindparam("b_id")))
        .values({column: bindparam(f"v_{column}") for column in columns})
    )
    rows = [_update_row(account, columns) for account in accounts]
    session.execute(statement, rows, execution_options={"synchronize_session": False})


def replace_custom_values(
    session: Session,
    connection_id: int,
    catalog: FieldCatalog,
    changes: Sequence[tuple[str, str, Any]],
) -> None:
    """Set (account id, field name, value) triples; a None value removes the value."""
    if not changes:
        return
    keys = [{"b_account": a, "b_field": catalog.ids[name]} for a, name, _ in changes]
    statement = delete(VALUES).where(
        VALUES.c.connection_id == connection_id,
        VALUES.c.account_id == bindparam("b_account"),
        VALUES.c.field_id == bindparam("b_field"),
    )
    session.execute(statement, keys, execution_options={"synchronize_session": False})
    rows = [
        [connection_id, a, catalog.ids[name], format_custom(value)]
        for a, name, value in changes
        if value is not None
    ]
    bulk_insert(session, VALUES, _VALUE_COLUMNS, rows)


def _update_row(account: Account, columns: Sequence[str]) -> dict[str, Any]:
    row = {f"v_{column}": getattr(account, column) for column in columns}
    if "type" in columns:
        row["v_type"] = str(account.type)
    row["b_id"] = account.id
    return row


def refresh_statistics(session: Session) -> None:
    """Let PostgreSQL's planner see that the CRM tables grew (called as they double).

    Without it, a table filled inside one transaction still looks empty, the
    foreign-key checks of every inserted custom value plan a sequential scan
    of the accounts, and a 100,000-row load slows to a crawl. ANALYZE counts
    the rows this transaction inserted. SQLite needs none of this.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE crm_accounts, crm_custom_values"))
