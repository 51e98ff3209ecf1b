"""A sample's CRM accounts as a file `crm load` takes (design.md, builtin CRM file columns).

The standard columns, the custom fields, and `created_at` so that "the oldest account of
a household" survives the load. Booleans as true/false, custom values in their
canonical text, times as ISO-8601 UTC: a load and an export agree on every value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from listbridge.core.accounts import (
    BOOLEAN_COLUMNS,
    CUSTOM_PREFIX,
    STANDARD_COLUMNS,
    Account,
    CustomFieldDef,
)
from listbridge.core.values import format_bool, format_custom, format_timestamp
from listbridge.sample import Sample

FILE_NAME = "sample_crm.csv"


def write_csv(sample: Sample, out: TextIO) -> int:
    """Write every account of `sample`; returns how many."""
    columns = file_columns(sample.fields)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(_row(account, columns) for account in sample.accounts)
    return len(sample.accounts)


def write_file(sample: Sample, directory: Path, name: str = FILE_NAME) -> Path:
    """`directory/name` holding the sample's accounts (the name becomes their origin)."""
    path = directory / name
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(sample, out)
    return path


def file_columns(fields: Iterable[CustomFieldDef]) -> list[str]:
    custom = sorted(CUSTOM_PREFIX + f.name for f in fields)
    return [*STANDARD_COLUMNS, *custom, "created_at"]


def _row(account: Account, columns: list[str]) -> list[str]:
    return [_cell(account, column) for column in columns]


def _cell(account: Account, column: str) -> str:
    if column.startswith(CUSTOM_PREFIX):
        value = account.custom.get(column[len(CUSTOM_PREFIX) :])
        return "" if value is None else format_custom(value)
    if column in BOOLEAN_COLUMNS:
        return format_bool(bool(getattr(account, column)))
    if column == "created_at":
        return format_timestamp(account.created_at) if account.created_at else ""
    return str(getattr(account, column))
