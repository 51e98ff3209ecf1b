"""Reading CRM files row by row, never the whole file at once.

Each reader yields `RawRow`s: text per column, plus the errors only the reader
can see (bytes that are not UTF-8, a line that is not JSON, an error cell of a
spreadsheet). A file broken as a whole (a quote never closed, a header naming a
column no account has) raises instead, naming the row. Row numbers are what a
person sees: in a CSV or a sheet the header is row 1; in JSON Lines a row is a
line; in a JSON array, an element.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from listbridge.core.errors import RowError, UserError
from listbridge.core.row_columns import RecordBlock
from listbridge.core.rows import RawRow
from listbridge.crm.builtin.csvfile import read_csv, read_csv_chunks
from listbridge.crm.builtin.file_format import NOT_UTF8
from listbridge.crm.builtin.jsonarray import iter_json_array
from listbridge.crm.builtin.load_options import FileReport, ReadOptions
from listbridge.crm.builtin.tables import WHOLE_ROW
from listbridge.crm.builtin.xlsxfile import read_xlsx

SUFFIXES = (".csv", ".xlsx", ".jsonl", ".json")


def read_rows(
    path: Path, options: ReadOptions | None = None, report: FileReport | None = None
) -> Iterator[RawRow]:
    """The rows of the file at `path`; `report` is told its format and header as it opens."""
    options = options or ReadOptions()
    suffix = _checked_suffix(path, options)
    if suffix == ".csv":
        return read_csv(path, options, report)
    if suffix == ".xlsx":
        return read_xlsx(path, options, report)
    return read_jsonl(path) if suffix == ".jsonl" else read_json(path)


def read_chunks(
    path: Path, size: int, options: ReadOptions | None = None, report: FileReport | None = None
) -> Iterator[RecordBlock | list[RawRow]]:
    """The rows of `read_rows`, up to `size` at a time; a CSV file's regular rows come as
    blocks of records (csvfile.read_csv_chunks), spared a dict and a RawRow each."""
    options = options or ReadOptions()
    if _checked_suffix(path, options) == ".csv":
        return read_csv_chunks(path, size, options, report)
    return _chunked(read_rows(path, options, report), size)


def _chunked(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _checked_suffix(path: Path, options: ReadOptions) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use {', '.join(SUFFIXES)}"
        )
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if suffix != ".csv" and (options.encoding or options.delimiter):
        raise UserError(f"{path}: --encoding and --delimiter are for .csv files only")
    if suffix.startswith(".json") and (options.column_map.pairs or options.column_map.ignored):
        raise UserError(
            f"{path}: --map, --map-file and --ignore-column are for .csv and .xlsx files; "
            "a JSON file's keys are the columns themselves"
        )
    return suffix


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
