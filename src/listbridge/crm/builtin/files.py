"""Reading CRM files row by row, never the whole file at once.

Each reader yields `RawRow`s: text per column, plus the errors only the reader
can see (bytes that are not UTF-8, a line that is not JSON, an error cell of a
spreadsheet). Row numbers are what a person sees: in a CSV or a sheet the
header is row 1; in JSON Lines a row is a line; in a JSON array, an element.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from listbridge.core.errors import RowError, UserError
from listbridge.core.rows import RawRow
from listbridge.core.spreadsheet import restore_cell
from listbridge.crm.builtin.jsonarray import iter_json_array

# surrogateescape turns each byte that is not UTF-8 into one of these.
_SURROGATE = re.compile("[\udc80-\udcff]")
NOT_UTF8 = "unreadable encoding: not UTF-8 (save the file as UTF-8)"
WHOLE_ROW = "(whole row)"
SUFFIXES = (".csv", ".xlsx", ".jsonl", ".json")


def read_rows(path: Path) -> Iterator[RawRow]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use {', '.join(SUFFIXES)}"
        )
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    readers = {".csv": read_csv, ".xlsx": read_xlsx, ".jsonl": read_jsonl, ".json": read_json}
    return readers[suffix](path)


def read_csv(path: Path) -> Iterator[RawRow]:
    # surrogateescape keeps undecodable bytes as lone surrogates, so the bad
    # value can be named by row and column instead of failing the whole file.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        records = csv.reader(handle)
        header = _header(path, next(records, None))
        simple = all(header)
        for number, record in enumerate(records, start=2):
            text = "".join(record)
            if not text.strip():
                continue
            # Most rows need no repair: every cell under a name, no quote, all UTF-8.
            if simple and len(record) == len(header) and "'" not in text and not _undecodable(text):
                yield RawRow(str(path), number, dict(zip(header, record, strict=True)))
            else:
                yield _csv_row(str(path), number, header, record)


def _header(path: Path, cells: list[str] | None) -> list[str]:
    if cells is None:
        raise UserError(f"{path}: the file is empty; the first row must name the columns")
    names = [str(cell if cell is not None else "").strip() for cell in cells]
    if any(_undecodable(name) for name in names):
        raise UserError(f"{path}: row 1 (the header): {NOT_UTF8}")
    while names and not names[-1]:
        names.pop()
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise UserError(f"{path}: row 1 (the header): column(s) named twice: {', '.join(doubled)}")
    return names


def _csv_row(source: str, number: int, header: list[str], record: list[str]) -> RawRow:
    errors: list[RowError] = []
    values: dict[str, str] = {}
    undecodable = _undecodable("".join(record))
    for index, cell in enumerate(record):
        column = header[index] if index < len(header) else ""
        if not column:
            if cell.strip():
                errors.append(
                    RowError(source, number, f"#{index + 1}", "a value under no column name")
                )
            continue
        if undecodable and _undecodable(cell):
            errors.append(RowError(source, number, column, NOT_UTF8))
            cell = ""
        # Only a quoted cell can be one an export neutralised: skip the rest cheaply.
        values[column] = restore_cell(cell) if cell[:1] == "'" else cell
    return RawRow(source, number, _padded(values, header), tuple(errors))


def _padded(values: dict[str, str], header: list[str]) -> dict[str, str]:
    """A row of a table has every column: cells missing at its end are empty."""
    for column in header:
        if column:
            values.setdefault(column, "")
    return values


def _undecodable(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def read_xlsx(path: Path) -> Iterator[RawRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UserError(f"{path}: not a readable .xlsx workbook ({error})") from None
    try:
        rows = book.active.iter_rows()
        header = _header(path, [_cell_text(c.value) for c in next(rows, ())] or None)
        for number, cells in enumerate(rows, start=2):
            if any(_cell_text(c.value).strip() for c in cells):
                yield _xlsx_row(str(path), number, header, cells)
    finally:
        book.close()


def _xlsx_row(source: str, number: int, header: list[str], cells: Any) -> RawRow:
    errors: list[RowError] = []
    values: dict[str, str] = {}
    for index, cell in enumerate(cells):
        column = header[index] if index < len(header) else ""
        text = _cell_text(cell.value)
        if not column:
            if text.strip():
                errors.append(
                    RowError(source, number, f"#{index + 1}", "a value under no column name")
                )
        elif getattr(cell, "data_type", "") == "e":
            errors.append(
                RowError(source, number, column, f"the cell holds the spreadsheet error {text}")
            )
        else:
            values[column] = restore_cell(text)
    return RawRow(source, number, _padded(values, header), tuple(errors))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def read_jsonl(path: Path) -> Iterator[RawRow]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield _jsonl_row(str(path), number, line)


def _jsonl_row(source: str, number: int, line: bytes) -> RawRow:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return RawRow(source, number, {}, (RowError(source, number, WHOLE_ROW, NOT_UTF8),))
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        reason = f"not valid JSON: {error.msg} at character {error.colno}"
        return RawRow(source, number, {}, (RowError(source, number, WHOLE_ROW, reason),))
    return object_row(source, number, value)


def read_json(path: Path) -> Iterator[RawRow]:
    source = str(path)
    with path.open(encoding="utf-8-sig", errors="strict") as handle:
        for number, item in iter_json_array(handle, source):
            yield item if isinstance(item, RawRow) else object_row(source, number, item)


def object_row(source: str, number: int, value: Any) -> RawRow:
    """One JSON object as a row; nested values are refused, scalars become text."""
    if not isinstance(value, Mapping):
        reason = "not a JSON object of column → value"
        return RawRow(source, number, {}, (RowError(source, number, WHOLE_ROW, reason),))
    errors: list[RowError] = []
    values: dict[str, str] = {}
    for column, item in value.items():
        if isinstance(item, dict | list):
            errors.append(RowError(source, number, column, "a nested JSON value; give text"))
        else:
            values[column.strip()] = _json_text(item)
    return RawRow(source, number, values, tuple(errors))


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
