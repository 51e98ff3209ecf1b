"""Where a CSV file holds a value past the csv module's field limit, which stops the
module with an error about the whole file: the file is read again up to the error, and
the value's row (the line its record starts on) and column are named (csvfile.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import Any, Protocol, TextIO

from listbridge.core.errors import RowError
from listbridge.crm.builtin.tables import column_name

# A lone high surrogate after the text: still at its end when the text ends inside quotes
# (csvfile.py ends every file with the same marker).
_END = "\ud800"


class CsvFile(Protocol):
    """A CSV file as csvfile.py opens and reads it."""

    @property
    def path(self) -> Path: ...

    def open(self) -> TextIO: ...

    def reader(self, lines: Iterable[str]) -> Any: ...


def past_limit(csv_file: CsvFile) -> RowError:
    """The row and column of the value the csv module would not read, and why."""
    limit = csv.field_size_limit()
    path = csv_file.path
    _, lines_read, header = _read_until_error(csv_file)
    with csv_file.open() as handle:
        for _ in range(lines_read):
            handle.readline()
        # Less text than the limit: the value's start, with the cells before it.
        start = handle.read(limit - 1)
    cells = next(csv_file.reader(chain(io.StringIO(start, newline=""), (_END,))))
    if cells[-1].endswith(_END):  # the text ended inside quotes
        reason = (
            f'a quote (") opens this value and is not closed within {limit:,} characters, '
            "the most one value can have: most likely it is never closed"
        )
    else:
        reason = f"the value is longer than {limit:,} characters, the most one value can have"
    return RowError(str(path), lines_read + 1, column_name(header, len(cells) - 1), reason)


def _read_until_error(csv_file: CsvFile) -> tuple[int, int, list[str | None]]:
    """How many rows and lines come before the csv module's error, and the header."""
    rows_read, lines_read = 0, 0
    header: list[str | None] = []
    with csv_file.open() as handle:
        records = csv_file.reader(handle)
        try:
            for rows_read, record in enumerate(records, start=1):
                lines_read = records.line_num
                if rows_read == 1:
                    header = [cell.strip() for cell in record]
        except csv.Error:
            pass
    return rows_read, lines_read, header
