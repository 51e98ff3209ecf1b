"""A run's error report as CSV: one writer for `runs show --errors-csv` and the web
admin's download, so both give the same columns, in the same order, with the same
protection against a cell being read as a spreadsheet formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO

from listbridge.core.csv_stream import CHUNK_ROWS, csv_chunks
from listbridge.core.runs import ErrorRow
from listbridge.core.spreadsheet import safe_cell

ERROR_COLUMNS = ("account_id", "cc_contact_id", "email", "field", "row", "reason")


def error_cells(error: ErrorRow) -> list[str]:
    return [safe_cell(getattr(error, column)) for column in ERROR_COLUMNS]


def write_error_csv(out: IO[str], errors: Iterable[ErrorRow]) -> int:
    """The header and every row to `out` (opened with newline=""); the rows written."""
    writer = csv.writer(out)
    writer.writerow(ERROR_COLUMNS)
    written = 0
    for error in errors:
        writer.writerow(error_cells(error))
        written += 1
    return written


def error_csv_chunks(errors: Iterable[ErrorRow], rows: int = CHUNK_ROWS) -> Iterator[str]:
    """The same CSV as `write_error_csv`, in pieces of `rows` rows (a streamed response)."""
    return csv_chunks(ERROR_COLUMNS, (error_cells(error) for error in errors), rows)
