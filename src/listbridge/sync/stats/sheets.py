"""Campaign results tables (core/stats_table.py) as files: CSV text and Excel workbooks
with typed, formatted columns. `stats show --format csv|xlsx` and the web admin's
downloads write through these, so a file from either is the same file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from listbridge.core.spreadsheet import safe_cell
from listbridge.core.stats_table import Column, Kind, SheetCell, Table, csv_cells, sheet_cells

#: how Excel shows each kind of cell (rates are fractions: 0.235 shows as 23.5%)
NUMBER_FORMATS = {Kind.COUNT: "0", Kind.PERCENT: "0.0%", Kind.TIME: "yyyy-mm-dd hh:mm"}
#: rows of CSV text handed out at a time when streamed
CSV_CHUNK_ROWS = 500


def write_csv(table: Table, target: IO[str]) -> None:
    """The header row, then one row per table row."""
    writer = csv.writer(target)
    writer.writerow(table.header)
    writer.writerows(csv_cells(row) for row in table.rows)


def csv_chunks(table: Table) -> Iterator[str]:
    """The text `write_csv` writes, a few hundred rows at a time (for a streamed answer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    for number, row in enumerate(table.rows, start=1):
        writer.writerow(csv_cells(row))
        if number % CSV_CHUNK_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_xlsx(table: Table, target: IO[bytes], sheet: str) -> None:
    """One sheet: a bold header frozen above typed rows, columns wide enough to read.

    Written row by row (openpyxl's write-only mode), so a campaign of many thousand
    recipients does not hold a cell object per value."""
    _workbook(table, sheet).save(target)


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
        # the whole file for one odd character in a campaign name; what they hid may be a
        # formula ("\x01=HYPERLINK(…)"), so the text is made safe again without them
        kept = ILLEGAL_CHARACTERS_RE.sub("", value)
        value = value if kept == value else safe_cell(kept)
    cell = WriteOnlyCell(ws, value=value)
    if column.kind in NUMBER_FORMATS and value is not None:
        cell.number_format = NUMBER_FORMATS[column.kind]
    return cell
