"""`crm export`: every account with every column, as CSV or as a JSON array.

Columns: the standard ones, then `custom.<Field>` sorted by name, then the
export-only ones. Booleans are true/false (JSON booleans), times ISO-8601 UTC.
Custom values are written in their canonical text (1234.5, 2024-03-31, true),
so an export loads back identically even where the fields are not defined yet
(they then become text fields). CSV cells that a spreadsheet would run as a
formula get a leading `'`, which `crm load` takes off again.

Accounts marked by `crm delete` are left out; `include_deleted` takes them in and
adds a last column, `deleted` (true/false). That column is a report, not a file
column: `crm load` refuses it, so drop it before loading such a file (loading an
id restores its account).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import select

from listbridge.core.accounts import CUSTOM_PREFIX, EXPORT_ONLY_COLUMNS, STANDARD_COLUMNS, Account
from listbridge.core.spreadsheet import safe_cell
from listbridge.core.values import format_custom, format_number, format_timestamp
from listbridge.crm.builtin.records import (
    ACCOUNTS,
    FieldCatalog,
    account_from_row,
    column_value,
    read_custom,
)
from listbridge.store.db import Store

PAGE = 1000
DELETED_COLUMN = "deleted"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


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
    if fmt is ExportFormat.CSV:
        return _write_csv(out, columns, rows)
    return _write_json(out, columns, rows)


def export_columns(store: Store, connection_id: int) -> list[str]:
    with store.session() as session:
        names = sorted(FieldCatalog.read(session, connection_id).defs)
    return [*STANDARD_COLUMNS, *(CUSTOM_PREFIX + n for n in names), *EXPORT_ONLY_COLUMNS]


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


def _write_csv(out: TextIO, columns: list[str], rows: Iterator[list[Any]]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for count, values in enumerate(rows, start=1):  # noqa: B007 - the count is returned
        writer.writerow([_csv_cell(value) for value in values])
    return count


def _csv_cell(value: Any) -> str:
    if isinstance(value, Decimal):
        return format_number(value)  # a number is never a formula
    if isinstance(value, datetime):
        return format_timestamp(value)
    if value is None or isinstance(value, str):
        return safe_cell(value)
    return safe_cell(format_custom(value))


def _write_json(out: TextIO, columns: list[str], rows: Iterator[list[Any]]) -> int:
    out.write("[")
    count = 0
    for count, values in enumerate(rows, start=1):
        out.write(",\n" if count > 1 else "\n")
        item = {c: _json_value(c, v) for c, v in zip(columns, values, strict=True)}
        out.write(json.dumps(item, ensure_ascii=False))
    out.write("\n]\n" if count else "]\n")
    return count


def _json_value(column: str, value: Any) -> Any:
    if value is None or (isinstance(value, bool | str) and not column.startswith(CUSTOM_PREFIX)):
        return value
    if isinstance(value, datetime):
        return format_timestamp(value)
    return format_custom(value)
