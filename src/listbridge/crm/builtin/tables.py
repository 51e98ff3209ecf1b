"""What the readers of tables (CSV files, sheets of a workbook) share.

Row 1 names the columns, as people's exports name them (core/header_map.py: `First
Name`, `Email Address`, a --map); every later row has every column, a missing cell at
its end being an empty value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from listbridge.core.errors import UserError
from listbridge.core.header_map import ColumnMap, map_header
from listbridge.core.rows import check_header
from listbridge.crm.builtin.file_format import NOT_UTF8
from listbridge.crm.builtin.load_options import FileReport

# surrogateescape turns each byte that is not UTF-8 into one of these.
_SURROGATE = re.compile("[\udc80-\udcff]")
WHOLE_ROW = "(whole row)"


def header_names(
    path: Path,
    cells: Sequence[str] | None,
    where: str = "the file",
    column_map: ColumnMap | None = None,
    report: FileReport | None = None,
    unreadable: str = NOT_UTF8,
) -> list[str | None]:
    """The column of each header of row 1 (None: there is no row 1; `where` names what is
    empty), by core/header_map.py: None for a column the user ignores. `unreadable` is
    why a header holding bytes its encoding cannot read is refused (FileFormat.unreadable)."""
    if cells is None:
        raise UserError(f"{path}: {where} is empty; the first row must name the columns")
    names = [cell.strip() for cell in cells]
    if names:
        names[0] = names[0].lstrip("\ufeff").strip()  # a mark the encoding given left in
    while names and not names[-1]:
        names.pop()
    if not names:
        raise UserError(f"{path}: row 1 is blank; the first row must name the columns")
    if any(undecodable(name) for name in names):
        raise UserError(f"{path}: row 1 (the header): {unreadable}")
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise UserError(f"{path}: row 1 (the header): column(s) named twice: {', '.join(doubled)}")
    mapping = map_header(str(path), names, column_map or ColumnMap())
    if report is not None:
        report.header = mapping
    check_header(str(path), [column for column in mapping.columns if column])
    return list(mapping.columns)


def padded(values: dict[str, str], header: Sequence[str | None]) -> dict[str, str]:
    """A row of a table has every column: cells missing at its end are empty."""
    for column in header:
        if column:
            values.setdefault(column, "")
    return values


def column_name(header: Sequence[str | None], index: int) -> str:
    """The header's name of a column, or its position when the header names none."""
    name = header[index] if index < len(header) else ""
    return name or f"#{index + 1}"


def undecodable(text: str) -> bool:
    return _SURROGATE.search(text) is not None
