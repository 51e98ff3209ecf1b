"""`stats show --format csv|xlsx`: a campaign results table (core/stats_table.py) written
as CSV (stdout or a file) or as an Excel workbook; the writers are sync/stats/sheets.py's,
which the web admin's downloads share."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from listbridge.cli.render import open_for_writing
from listbridge.core.errors import UserError
from listbridge.core.stats_table import Table


def write_csv(table: Table, out: Path | None) -> None:
    """The header row, then one row per table row; without `out`, on stdout."""
    # here, not at the top: openpyxl costs every other command's start-up 0.1-0.2 s
    from listbridge.sync.stats import sheets

    with _csv_target(out) as target:
        sheets.write_csv(table, target)


@contextmanager
def _csv_target(out: Path | None) -> Iterator[IO[str]]:
    if out is None:
        yield sys.stdout
        return
    with open_for_writing(out, "CSV file") as target:
        yield target


def write_xlsx(table: Table, out: Path, sheet: str) -> None:
    """The workbook of `table` in `out` (sync/stats/sheets.py)."""
    from listbridge.sync.stats import sheets

    try:
        # opened before the workbook is built: a path that cannot be written is refused
        # before any work, and leaves no half-written sheet behind
        target = out.open("wb")
    except OSError as error:
        raise UserError(f"cannot write the Excel file to {out}: {error.strerror}") from None
    with target:
        sheets.write_xlsx(table, target, sheet)
