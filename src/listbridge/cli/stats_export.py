"""`stats show --format csv|xlsx`: a campaign results table (core/stats_table.py) written
as CSV (stdout or a file) or as an Excel workbook with typed, formatted columns."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from listbridge.cli.render import open_for_writing
from listbridge.core.errors import UserError
from listbridge.core.stats_table import Column, Kind, SheetCell, Table, csv_cells, sheet_cells

#: how Excel shows each kind of cell (rates are fractions: 0.235 shows as 23.5%)
NUMBER_FORMATS = {Kind.COUNT: "0", Kind.PERCENT: "0.0%", Kind.TIME: "yyyy-mm-dd hh:mm"}


def write_csv(table: Table, out: Path | None) -> None:
    """The header row, then one row per table row; without `out`, on stdout."""
    with _csv_target(out) as target:
        writer = csv.writer(target)
        writer.writerow(table.header)
        writer.writerows(csv_cells(row) for row in table.rows)


@contextmanager
def _csv_target(out: Path | None) -> Iterator[IO[str]]:
    if out is None:
        yield sys.stdout
        return
    with open_for_writing(out, "CSV file") as target:
        yield target


def write_xlsx(table: Table, out: Path, sheet: str) -> None:
    """One sheet: a bold header frozen above typed rows, columns wide enough to read.

    Written row by row (openpyxl's write-only mode), so a campaign of many thousand
    recipients does not hold a cell object per value."""
    try:
        # opened before the workbook is built: a path that cannot be written is refused
        # before any work, and leaves no half-written sheet behind
        target = out.open("wb")
    except OSError as error:
        raise UserError(f"cannot write the Excel file to {out}: {error.strerror}") from None
    with target:
        book = _workbook(table, sheet)
        book.save(target)


def _workbook(table: Table, sheet: str) -> Workbook:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        width = max(column.width, len(column.name) + 2)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append([_header_cell(ws, column.name) for column in table.columns])
    for row in table.rows:
        values = sheet_cells(table.columns, row)
        ws.append([_cell(ws, c, v) for c, v in zip(table.columns, values, strict=True)])
    return book


def _header_cell(ws: WriteOnlyWorksheet, name: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=name)
    cell.font = Font(bold=True)
    return cell


def _cell(ws: WriteOnlyWorksheet, column: Column, value: SheetCell) -> WriteOnlyCell:
    if isinstance(value, str):
        # control characters cannot be stored in the sheet's XML: openpyxl would refuse
        # the whole file for one odd character in a campaign name
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if column.kind in NUMBER_FORMATS and value is not None:
        cell.number_format = NUMBER_FORMATS[column.kind]
    return cell
