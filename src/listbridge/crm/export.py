"""`crm export` of any CRM: the columns and the CSV / JSON writing every CRM shares.

Columns: the standard ones, then `custom.<Field>` sorted by name, then the export-only
ones. Booleans are true/false (JSON booleans), times ISO-8601 UTC. Custom values are
written in their canonical text (1234.5, 2024-03-31, true), so an export loads back
identically. CSV cells that a spreadsheet would run as a formula get a leading `'`,
which `crm load` takes off again.

The builtin CRM exports in id order with its deleted accounts on demand
(crm/builtin/export.py); any other CRM through the protocol (`export_crm`), oldest
change first, its links read from listbridge's store.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO

from listbridge.core.accounts import CUSTOM_PREFIX, EXPORT_ONLY_COLUMNS, STANDARD_COLUMNS
from listbridge.core.spreadsheet import safe_cell
from listbridge.core.values import format_custom, format_number, format_timestamp
from listbridge.crm.builtin.records import column_value
from listbridge.crm.protocol import CrmAdapter
from listbridge.crm.reading import linked_accounts
from listbridge.store.db import Store


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def columns_with(custom_names: Iterable[str]) -> list[str]:
    """Every export column, given the names of the custom fields."""
    custom = (CUSTOM_PREFIX + n for n in sorted(custom_names))
    return [*STANDARD_COLUMNS, *custom, *EXPORT_ONLY_COLUMNS]


def export_crm(
    crm: CrmAdapter, store: Store, connection_id: int, out: TextIO, fmt: ExportFormat
) -> int:
    """Write every account of the CRM to `out`; returns how many."""
    columns = columns_with(f.name for f in crm.custom_fields())
    accounts = linked_accounts(crm, store, connection_id)
    return write_rows(out, fmt, columns, ([column_value(a, c) for c in columns] for a in accounts))


def write_rows(
    out: TextIO, fmt: ExportFormat, columns: list[str], rows: Iterator[list[Any]]
) -> int:
    if fmt is ExportFormat.CSV:
        return _write_csv(out, columns, rows)
    return _write_json(out, columns, rows)


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
