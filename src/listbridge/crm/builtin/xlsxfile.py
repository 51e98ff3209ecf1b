"""Workbooks (.xlsx) read row by row from one sheet: the active one.

The active sheet is the one the workbook opens on, the one its user last saw.
Other sheets are not loaded (a workbook often keeps notes or lookups beside its
data), but when the active sheet has no accounts and another sheet has data, the
file is refused naming both, instead of loading nothing without a word.

A value is what the workbook saved with its cell. The program that calculates a
formula (Excel, LibreOffice) saves its result too; a script that writes a formula
usually saves none, and the cell would read as blank: it is refused instead. So is
a yes/no cell as an id: Excel makes one of a typed `TRUE`, and no id is `true`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn

from listbridge.core.errors import RowError, UserError
from listbridge.core.header_map import ColumnMap, HeaderMapping
from listbridge.core.header_merges import merged_with_sources, named_by_sources
from listbridge.core.rows import RawRow
from listbridge.core.spreadsheet import restore_cell
from listbridge.crm.builtin.load_options import FileReport, ReadOptions
from listbridge.crm.builtin.tables import header_names, padded

# A formula element in a worksheet's XML, with or without a namespace prefix.
_FORMULA = re.compile(rb"<(?:\w{1,32}:)?f[\s>/]")
_CHUNK = 1 << 20
Cells = Sequence[Any]  # openpyxl's read-only cells: value, data_type


def read_xlsx(
    path: Path, options: ReadOptions | None = None, report: FileReport | None = None
) -> Iterator[RawRow]:
    book, formulas = _open(path, data_only=True), None
    try:
        # Formulas are read only from a workbook that has some: a second parse of the sheet.
        if _has_formulas(path):
            formulas = _open(path, data_only=False)
        header = _Header((options or ReadOptions()).column_map, report)
        yield from _sheet_rows(path, book, formulas, header)
    finally:
        book.close()
        if formulas is not None:
            formulas.close()


def _open(path: Path, *, data_only: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UserError(f"{path}: not a readable .xlsx workbook ({error})") from None


def _has_formulas(path: Path) -> bool:
    """Whether a worksheet of the file holds a formula; most files have none."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as part:
                    tail = b""  # a tag may straddle two chunks
                    while chunk := part.read(_CHUNK):
                        if _FORMULA.search(tail + chunk):
                            return True
                        tail = chunk[-40:]
    return False


@dataclass(frozen=True)
class _Header:
    """What the user says of the header (--map, --ignore-column), and where to say what
    it was found to be."""

    column_map: ColumnMap
    report: FileReport | None


def _sheet_rows(path: Path, book: Any, formulas: Any, said: _Header) -> Iterator[RawRow]:
    sheet = book.active
    if sheet not in book.worksheets:  # a chart sheet
        _refuse_no_header(path, book, sheet)
    rows = _row_pairs(sheet, formulas)
    texts = [_cell_text(cell.value) for cell in next(rows, ((), None))[0]]
    if not any(text.strip() for text in texts):
        _refuse_no_header(path, book, sheet)
    report = said.report if said.report is not None else FileReport()
    header = header_names(path, texts, "the file", said.column_map, report)
    labels = report.header.labels if report.header is not None else {}
    found = False
    for number, (cells, formula_cells) in enumerate(rows, start=2):
        if any(_cell_text(cell.value).strip() for cell in cells):
            found = True
            row = _xlsx_row(str(path), sheet.title, number, header, cells, formula_cells)
            if report.header is not None and report.header.merges:
                row = _merged(row, header, cells, report.header)
            # a merged row may name its own header (`_merged`); the others, the file's
            yield row if row.labels or not labels else replace(row, labels=labels)
    if not found and (elsewhere := _sheets_with_data(book, sheet)):
        raise UserError(_elsewhere(path, sheet.title, elsewhere))


def _row_pairs(sheet: Any, formulas: Any) -> Iterator[tuple[Cells, Cells | None]]:
    """Each row's cells, with the same cells read for their formulas (when there are any)."""
    rows = sheet.iter_rows()
    if formulas is None:
        return ((cells, None) for cells in rows)
    return zip(rows, formulas[sheet.title].iter_rows(), strict=False)


def _refuse_no_header(path: Path, book: Any, sheet: Any) -> NoReturn:
    """Row 1 of the active sheet is blank: say why, naming the sheets."""
    if _has_data(sheet):
        raise UserError(f"{path}: sheet {sheet.title!r}: row 1 must name the columns")
    if elsewhere := _sheets_with_data(book, sheet):
        raise UserError(_elsewhere(path, sheet.title, elsewhere))
    raise UserError(f"{path}: sheet {sheet.title!r} is empty; the first row must name the columns")


def _elsewhere(path: Path, title: str, elsewhere: list[str]) -> str:
    others = " and ".join(f"sheet {other!r}" for other in elsewhere)
    return (
        f"{path}: sheet {title!r}, the one the workbook opens on and the one loaded, has no "
        f"accounts, but {others} {'has' if len(elsewhere) == 1 else 'have'} data; nothing "
        "was loaded: select the sheet of the accounts and save the workbook, so that it "
        "opens on that sheet"
    )


def _sheets_with_data(book: Any, active: Any) -> list[str]:
    return [sheet.title for sheet in book.worksheets if sheet is not active and _has_data(sheet)]


def _has_data(sheet: Any) -> bool:
    if not hasattr(sheet, "iter_rows"):  # a chart sheet
        return False
    rows = sheet.iter_rows(values_only=True)
    return any(_cell_text(value).strip() for row in rows for value in row)


def _xlsx_row(
    source: str,
    title: str,
    number: int,
    header: list[str | None],
    cells: Cells,
    formulas: Cells | None,
) -> RawRow:
    errors: list[RowError] = []
    values: dict[str, str] = {}
    for index, cell in enumerate(cells):
        column = header[index] if index < len(header) else ""
        text = _cell_text(cell.value)
        if column is None:
            continue  # a column the user ignores (--ignore-column)
        if not column:
            if text.strip():
                errors.append(
                    RowError(source, number, f"#{index + 1}", "a value under no column name")
                )
        elif reason := _refusal(column, cell, text, _formula(formulas, index)):
            where = f"sheet {title!r}, cell {_cell_name(index, number)}"
            errors.append(RowError(source, number, column, f"{where}: {reason}"))
        else:
            values[column] = restore_cell(text)
    return RawRow(source, number, padded(values, header), tuple(errors))


def _merged(row: RawRow, header: list[str | None], cells: Cells, mapping: HeaderMapping) -> RawRow:
    """The row with each folded opt-out cell read into its kept column (header_map); a
    value no yes/no word is named by the header it came from."""
    values = dict(row.values)
    texts = [_cell_text(cell.value) for cell in cells]
    for kept, _ in mapping.merges:
        column = header[kept]
        if column and column in values and kept < len(texts):
            texts[kept] = values[column]  # as the row read it (restored, stripped)
    merged, sources = merged_with_sources(texts, mapping.merges)
    for kept, _ in mapping.merges:
        column = header[kept]
        if column and column in values and kept < len(merged):
            values[column] = merged[kept]
    headers = [m.header for m in mapping.headers]
    labels = named_by_sources(mapping.labels, header, headers, sources)
    return replace(row, values=values, labels=labels if sources else row.labels)


def _formula(formulas: Cells | None, index: int) -> str:
    """The formula of a cell, or "" when it holds none."""
    if formulas is None or index >= len(formulas):
        return ""
    cell = formulas[index]
    return str(cell.value) if getattr(cell, "data_type", "") == "f" else ""


def _refusal(column: str, cell: Any, text: str, formula: str) -> str:
    """Why a cell's value cannot be read as the text of its column ("" when it can)."""
    kind = getattr(cell, "data_type", "")
    if kind == "e":
        return f"the cell holds the spreadsheet error {text}"
    # A formula whose saved result is empty text is "str": that blank is real.
    if formula and cell.value is None and kind != "str":
        return (
            f"a formula with no saved value ({formula}); open the file in Excel or "
            "LibreOffice and save it, so that the values of its formulas are saved too"
        )
    if column == "id" and isinstance(cell.value, bool):
        return (
            f"{text.upper()} is a yes/no value, not an id; format the column as text "
            "and type the id again"
        )
    return ""


def _cell_name(index: int, number: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)}{number}"


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
