"""`crm export` of the builtin CRM: every account in id order, as CSV or a JSON array
(columns and formats: crm/export.py).

Accounts marked by `crm delete` are left out; `include_deleted` takes them in and
adds a last column, `deleted` (true/false). That column is a report, not a file
column: `crm load` refuses it, so drop it before loading such a file (loading an
id restores its account).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import select

from listbridge.core.accounts import Account
from listbridge.crm.builtin.records import (
    ACCOUNTS,
    FieldCatalog,
    account_from_row,
    column_value,
    read_custom,
)
from listbridge.crm.export import ExportFormat, columns_with, write_rows
from listbridge.store.db import Store

PAGE = 1000
DELETED_COLUMN = "deleted"


def export_accounts(
    store: Store,
    connection_id: int,
    out: TextIO,
    fmt: ExportFormat,
    *,
    include_deleted: bool = False,
) -> int:
    """Write every account (and the deleted ones, if asked) to `out`; returns how many."""
    columns = export_columns(store, connection_id)
    if include_deleted:
        columns.append(DELETED_COLUMN)
    rows = (
        [deleted if c == DELETED_COLUMN else column_value(account, c) for c in columns]
        for account, deleted in iter_stored(store, connection_id, include_deleted=include_deleted)
    )
    return write_rows(out, fmt, columns, rows)


def export_columns(store: Store, connection_id: int) -> list[str]:
    with store.session() as session:
        return columns_with(FieldCatalog.read(session, connection_id).defs)


def iter_accounts(store: Store, connection_id: int) -> Iterator[Account]:
    """Every account not deleted, in id order (byte order on both backends)."""
    return (account for account, _ in iter_stored(store, connection_id, include_deleted=False))


def iter_stored(
    store: Store, connection_id: int, *, include_deleted: bool
) -> Iterator[tuple[Account, bool]]:
    """(account, whether it is deleted) in id order, a page at a time."""
    last: str | None = None
    while True:
        page = _page(store, connection_id, last, include_deleted)
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1][0].id


def _page(
    store: Store, connection_id: int, after: str | None, include_deleted: bool
) -> list[tuple[Account, bool]]:
    with store.session() as session:
        postgres = store.engine.dialect.name == "postgresql"
        key = ACCOUNTS.c.id.collate("C") if postgres else ACCOUNTS.c.id
        query = select(ACCOUNTS).where(ACCOUNTS.c.connection_id == connection_id)
        if not include_deleted:
            query = query.where(ACCOUNTS.c.deleted_at.is_(None))
        if after is not None:
            query = query.where(key > after)
        rows = list(session.execute(query.order_by(key).limit(PAGE)).mappings())
        catalog = FieldCatalog.read(session, connection_id)
        custom = read_custom(session, connection_id, [r["id"] for r in rows], catalog)
    return [
        (account_from_row(row, custom.get(row["id"], {})), row["deleted_at"] is not None)
        for row in rows
    ]
