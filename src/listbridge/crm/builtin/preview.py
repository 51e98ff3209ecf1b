"""`crm load --dry-run`: what a load of a file would store, with nothing written.

The file is read and validated exactly as `crm load` reads and validates it
(load.validated): the reader's findings (a CSV file's encoding and delimiter, the
column of each header), the first valid rows as the accounts they would become, and
every invalid value. The store is read once, for the custom fields' types, and no run
is recorded. A header that refuses the file raises as it does for a load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from listbridge.core.accounts import Account
from listbridge.core.errors import RowError
from listbridge.core.row_columns import ColumnRows
from listbridge.core.rows import RowValidator
from listbridge.crm.builtin.files import read_chunks
from listbridge.crm.builtin.load import BATCH, validated
from listbridge.crm.builtin.load_options import FileReport, ReadOptions
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.store.db import Store

PREVIEW_ROWS = 5


@dataclass
class LoadPreview:
    report: FileReport
    valid: int = 0
    first: list[Account] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        return len({error.row for error in self.errors})


def preview_file(
    store: Store,
    connection_id: int,
    path: Path,
    *,
    read: ReadOptions | None = None,
    rows: int = PREVIEW_ROWS,
    batch: int = BATCH,
) -> LoadPreview:
    report = FileReport()
    chunks = read_chunks(path, batch, read, report)
    with store.session() as session:
        catalog = FieldCatalog.read(session, connection_id)
    preview = LoadPreview(report)
    for checked in validated(RowValidator(catalog.defs), iter(chunks)):
        if isinstance(checked, ColumnRows):
            preview.valid += len(checked)
            wanted = min(len(checked), rows - len(preview.first))
            preview.first.extend(checked.account(index) for index in range(wanted))
            continue
        for result in checked:
            if isinstance(result, list):
                preview.errors.extend(result)
                continue
            preview.valid += 1
            if len(preview.first) < rows:
                preview.first.append(result.account)
    return preview
