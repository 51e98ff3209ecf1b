"""`crm export`: every account with every column, as CSV or as a JSON array.

Columns: the standard ones, then `custom.<Field>` sorted by name, then the
export-only ones. Booleans are true/false (JSON booleans), times ISO-8601 UTC.
Custom values are written in their canonical text (1234.5, 2024-03-31, true),
so an export loads back identically even where the fields are not defined yet
(they then become text fields). CSV cells that a spreadsheet would run as a
formula get a leading `'`, which `crm load` takes off again.
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


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def export_accounts(store: Store, connection_id: int, out: TextIO, fmt: ExportFormat) -> int:
    """Write every account to `out`; returns how many."""
    columns = export_columns(store, connection_id)
    accounts = iter_accounts(store, connection_id)
    if fmt is ExportFormat.CSV:
        return _write_csv(out, columns, accounts)
    return _write_json(out, columns, accounts)


def export_columns(store: Store, connection_id: int) -> list[str]:
    with store.session() as session:
        names = sorted(FieldCatalog.read(session, connection_id).defs)
    return [*STANDARD_COLUMNS, *(CUSTOM_PREFIX + n for n in names), *EXPORT_ONLY_COLUMNS]


def iter_accounts(store: Store, connection_id: int) -> Iterator[Account]:
    """Every account in id order (byte order on both backends), a page at a time."""
    last: str | None = None
    while True:
        page = _page(store, connection_id, last)
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].id


def _page(store: Store, connection_id: int, after: str | None) -> list[Account]:
    with store.session() as session:
        postgres = store.engine.dialect.name == "postgresql"
        key = ACCOUNTS.c.id.collate("C") if postgres else ACCOUNTS.c.id
        query = select(ACCOUNTS).where(ACCOUNTS.c.connection_id == connection_id)
        if after is not None:
            query = query.where(key > after)
        rows = list(session.execute(query.order_by(key).limit(PAGE)).mappings())
        catalog = FieldCatalog.read(session, connection_id)
        custom = read_custom(session, connection_id, [r["id"] for r in rows], catalog)
    return [account_from_row(row, custom.get(row["id"], {})) for row in rows]


def _write_csv(out: TextIO, columns: list[str], accounts: Iterator[Account]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for count, account in enumerate(accounts, start=1):  # noqa: B007 - the count is returned
        writer.writerow([_csv_cell(column_value(account, c)) for c in columns])
    return count


def _csv_cell(value: Any) -> str:
    if isinstance(value, Decimal):
        return format_number(value)  # a number is never a formula
    if isinstance(value, datetime):
        return format_timestamp(value)
    if value is None or isinstance(value, str):
        return safe_cell(value)
    return safe_cell(format_custom(value))


def _write_json(out: TextIO, columns: list[str], accounts: Iterator[Account]) -> int:
    out.write("[")
    count = 0
    for count, account in enumerate(accounts, start=1):
        out.write(",\n" if count > 1 else "\n")
        item = {c: _json_value(c, column_value(account, c)) for c in columns}
        out.write(json.dumps(item, ensure_ascii=False))
    out.write("\n]\n" if count else "]\n")
    return count


def _json_value(column: str, value: Any) -> Any:
    if value is None or (isinstance(value, bool | str) and not column.startswith(CUSTOM_PREFIX)):
        return value
    if isinstance(value, datetime):
        return format_timestamp(value)
    return format_custom(value)
