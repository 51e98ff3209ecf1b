"""Cells that are safe to open in a spreadsheet.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as
a formula by Excel, LibreOffice and Google Sheets ("CSV injection"), so a
contact named `=HYPERLINK(...)` could act on the machine of whoever opens an
export. Such a cell gets a leading `'`, which spreadsheets show as text.

Quotes already in front of a trigger get one more, so that `restore_cell`
undoes `safe_cell` exactly for every text, and an export loads back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def safe_cell(value: object) -> str:
    """The text of `value` for a CSV or sheet cell, never read as a formula.

    Numbers stay as they are (-5 is a number, not a formula); None is empty.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def safe_row(row: Mapping[str, object]) -> dict[str, str]:
    """A row of named cells for `csv.DictWriter`, each through `safe_cell`."""
    return {name: safe_cell(value) for name, value in row.items()}


def restore_cell(text: str) -> str:
    """The original text of a cell `safe_cell` wrote (other text is unchanged)."""
    return text[1:] if _QUOTED.match(text) else text
