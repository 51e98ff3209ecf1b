"""CSV files read row by row; the two ways a CSV breaks as a whole are named like a bad value.

* A quote that opens a value and is never closed makes the csv module read the
  rest of the file into that value without a word (its strict mode would say so,
  but would also refuse harmless quirks such as `"Ann" ,`). So the reader gets one
  line more than the file has, `_END`: after a well-formed file it is a row of its
  own; after an unclosed quote it ends the value that swallowed the rest of the
  file, and that value names its row and column.
* The csv module stops at a value longer than its field limit (131,072 characters
  by default) with an error about the whole file. The limit is raised so that
  long values reach validation, which names their row, column and the column's own
  limit; a value past even the raised limit is found by reading the file again
  (csv_limit.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO, cast

from listbridge.core.errors import InvalidFileError, RowError, UserError, with_headers
from listbridge.core.header_merges import merged_with_sources, named_by_sources
from listbridge.core.row_columns import RecordBlock
from listbridge.core.rows import RawRow
from listbridge.core.spreadsheet import restore_cell
from listbridge.crm.builtin.csv_limit import past_limit
from listbridge.crm.builtin.file_format import FileFormat, read_format
from listbridge.crm.builtin.load_options import FileReport, ReadOptions
from listbridge.crm.builtin.tables import column_name, header_names, padded, undecodable

# A high surrogate: surrogateescape decoding makes only low ones, so no file holds it.
_END = "\ud800"
# What sends a row to repair: a quote (an export may have neutralised a formula),
# a byte that is not UTF-8, the end marker.
_NEEDS_REPAIR = re.compile("['\ud800\udc80-\udcff]")
_LINE_BREAK = re.compile(r"\r\n?|\n")
FIELD_LIMIT = 1 << 20


@dataclass(frozen=True)
class _Csv:
    """How to read one CSV file: its format, the user's column map, where to say what
    was found (load_options.FileReport)."""

    path: Path
    format: FileFormat
    options: ReadOptions
    report: FileReport

    @classmethod
    def of(cls, path: Path, options: ReadOptions, report: FileReport | None) -> _Csv:
        found = read_format(path, encoding=options.encoding, delimiter=options.delimiter)
        report = report if report is not None else FileReport()
        report.file_format = found.describe()
        return cls(path, found, options, report)

    def open(self) -> TextIO:
        # surrogateescape keeps undecodable bytes as lone surrogates, so the bad
        # value can be named by row and column instead of failing the whole file.
        encoding = self.format.encoding
        return self.path.open(encoding=encoding, errors="surrogateescape", newline="")

    @property
    def labels(self) -> Mapping[str, str]:
        """Column → the file's own header, where it differs (read once the header is)."""
        return self.report.header.labels if self.report.header is not None else {}

    def reader(self, lines: Iterable[str]) -> Any:
        return csv.reader(lines, delimiter=self.format.delimiter)

    def header(self, cells: list[str] | None, lines: int) -> list[str | None]:
        if cells == [_END]:
            cells = None  # the end marker alone: the file is empty
        elif cells and cells[-1].endswith(_END):
            _check_end(str(self.path), 1, [], cells, lines)
        column_map, unreadable = self.options.column_map, self.format.unreadable()
        return header_names(self.path, cells, "the file", column_map, self.report, unreadable)


def read_csv(
    path: Path, options: ReadOptions | None = None, report: FileReport | None = None
) -> Iterator[RawRow]:
    """The rows of a CSV file, each numbered by the file's line it starts on (the header is
    line 1; a quoted value holding line breaks makes the next record's number jump)."""
    # Raised, never lowered, so no other reader in the process loses by it.
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    source = _Csv.of(path, options or ReadOptions(), report)
    try:
        yield from _csv_rows(source)
    except InvalidFileError as error:  # an unclosed quote: named by the file's header
        raise InvalidFileError(with_headers(error.errors, source.labels)) from None
    except csv.Error:  # with newline="" and no strict mode, only a value past the limit
        raise InvalidFileError(with_headers([past_limit(source)], source.labels)) from None
    except UnicodeDecodeError as error:
        raise _unreadable(source, error) from None


def read_csv_chunks(
    path: Path, size: int, options: ReadOptions | None = None, report: FileReport | None = None
) -> Iterator[RecordBlock | list[RawRow]]:
    """The rows of `read_csv`, `size` records at a time: a chunk of regular records (each
    under a named column, no quote, all UTF-8, none blank) as a block, as the reader gave
    them; any other chunk as the RawRows `read_csv` gives for it."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    source = _Csv.of(path, options or ReadOptions(), report)
    try:
        yield from _csv_chunks(source, size)
    except InvalidFileError as error:  # an unclosed quote: named by the file's header
        raise InvalidFileError(with_headers(error.errors, source.labels)) from None
    except csv.Error:
        raise InvalidFileError(with_headers([past_limit(source)], source.labels)) from None
    except UnicodeDecodeError as error:
        raise _unreadable(source, error) from None


def _unreadable(csv_file: _Csv, error: UnicodeDecodeError) -> UserError:
    """Bytes the encoding cannot read that surrogateescape cannot keep either (it keeps
    only bytes from 128 up: a UTF-16 file cut in the middle of a character, say)."""
    return UserError(
        f"{csv_file.path}: not readable as {csv_file.format.describe()}: {error.reason}; "
        "save the file as UTF-8, or give its encoding with --encoding"
    )


def _csv_chunks(csv_file: _Csv, size: int) -> Iterator[RecordBlock | list[RawRow]]:
    source = str(csv_file.path)
    with csv_file.open() as handle:
        records = csv_file.reader(chain(handle, (_END,)))
        header = csv_file.header(next(records, None), records.line_num)
        names = tuple(column or "" for column in header)
        columns = _Columns.of(csv_file, header)
        lines = records.line_num
        while chunk := list(islice(records, size)):
            numbers = _first_lines(chunk, lines, records.line_num)
            lines = records.line_num
            if columns.simple and _regular(chunk, len(header)):
                yield RecordBlock(source, names, numbers, chunk, columns.labels)
                continue
            rows = (
                _one_row(source, n, columns, record, records.line_num)
                for n, record in zip(numbers, chunk, strict=True)
            )
            yield [row for row in rows if row is not None]


def _regular(chunk: list[list[str]], width: int) -> bool:
    """Every record as wide as the header, none blank, none needing repair (the end marker
    needs it, so the chunk holding it is never regular)."""
    if not all(map(width.__eq__, map(len, chunk))):
        return False
    texts = list(map("".join, chunk))
    if "" in map(str.strip, texts):
        return False
    # _NEEDS_REPAIR without a regular expression's step per character: a quote is found
    # by a fast search, a surrogate (a byte that is not UTF-8, the end marker) by encoding,
    # which only text that is not all ASCII needs.
    text = "\n".join(texts)
    return "'" not in text and (text.isascii() or _encodable(text))


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _csv_rows(csv_file: _Csv) -> Iterator[RawRow]:
    source = str(csv_file.path)
    with csv_file.open() as handle:
        records = csv_file.reader(chain(handle, (_END,)))
        header = csv_file.header(next(records, None), records.line_num)
        columns = _Columns.of(csv_file, header)
        lines = records.line_num
        for record in records:
            number, lines = lines + 1, records.line_num
            row = _one_row(source, number, columns, record, lines)
            if row is not None:
                yield row


def _first_lines(chunk: list[list[str]], before: int, after: int) -> list[int]:
    """The line each record of `chunk` starts on, `before` lines having been read before it
    and `after` with it: one line a record, unless a quoted value holds line breaks."""
    if after - before == len(chunk):
        return list(range(before + 1, after + 1))
    numbers, line = [], before + 1
    for record in chunk:
        numbers.append(line)
        line += 1 + sum(len(_LINE_BREAK.findall(cell)) for cell in record)
    return numbers


@dataclass(frozen=True)
class _Columns:
    """What each row of a file needs of its header, decided once the header is read."""

    header: list[str | None]
    simple: bool  # every cell under a column named and not ignored
    labels: Mapping[str, str]  # column → the file's own header, where it differs
    unreadable: str  # why a cell the encoding cannot read is refused
    merges: tuple[tuple[int, int], ...]  # two headers of one opt-out (HeaderMapping.merges)
    headers: tuple[str, ...]  # the file's header, position by position (for merges)

    @classmethod
    def of(cls, csv_file: _Csv, header: list[str | None]) -> _Columns:
        found = csv_file.report.header
        merges = found.merges if found is not None else ()
        headers = tuple(m.header for m in found.headers) if found is not None else ()
        unreadable = csv_file.format.unreadable()
        return cls(header, all(header), csv_file.labels, unreadable, merges, headers)


def _one_row(
    source: str, number: int, columns: _Columns, record: list[str], lines: int
) -> RawRow | None:
    """The row of one record; None for a blank one or the end marker alone."""
    text = "".join(record)
    if not text.strip():
        return None
    header = columns.header
    # Most rows need no repair: every cell under a name, no quote, all UTF-8.
    if columns.simple and len(record) == len(header) and _NEEDS_REPAIR.search(text) is None:
        values = dict(zip(cast(list[str], header), record, strict=True))
        return RawRow(source, number, values, labels=columns.labels)
    if record[-1].endswith(_END):
        _check_end(source, number, header, record, lines)
        return None
    return _csv_row(source, number, columns, record)


def _check_end(
    source: str, number: int, header: list[str | None], record: list[str], lines: int
) -> None:
    """The record holding the end marker is the marker alone, or a value never closed.

    `lines` is how many lines the reader has read, the marker's own included."""
    if record == [_END]:
        return
    value = record[-1][: -len(_END)]
    spans = len(_LINE_BREAK.findall(value)) + (0 if value.endswith(("\n", "\r")) else 1)
    reason = (
        f'the quote (") that opens this value on line {lines - spans} is never closed, so '
        "the rest of the file would be read as this one value; close it, or double a quote "
        'that is part of the text ("")'
    )
    column = column_name(header, len(record) - 1)
    raise InvalidFileError([RowError(source, number, column, reason)])


def _csv_row(source: str, number: int, columns: _Columns, record: list[str]) -> RawRow:
    header, labels = columns.header, columns.labels
    if columns.merges:  # a folded header's column is None, so its rows all come here
        record, sources = merged_with_sources(record, columns.merges)
        labels = named_by_sources(labels, header, columns.headers, sources)
    errors: list[RowError] = []
    values: dict[str, str] = {}
    bad_bytes = undecodable("".join(record))
    for index, cell in enumerate(record):
        column = header[index] if index < len(header) else ""
        if column is None:
            continue  # a column the user ignores (--ignore-column)
        if not column:
            if cell.strip():
                errors.append(
                    RowError(source, number, f"#{index + 1}", "a value under no column name")
                )
            continue
        if bad_bytes and undecodable(cell):
            errors.append(RowError(source, number, column, columns.unreadable))
            cell = ""
        # Only a quoted cell can be one an export neutralised: skip the rest cheaply.
        values[column] = restore_cell(cell) if cell[:1] == "'" else cell
    return RawRow(source, number, padded(values, header), tuple(errors), labels)
