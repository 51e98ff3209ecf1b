"""New accounts of a `crm load` written column by column.

The rows come validated as columns (core/row_columns.py); each table's insert takes
those columns as they are, a column the file does not give being one value for every
row. What is stored is what `upsert.BatchWriter.write` stores for the same rows: the
account row, marked with the load's run (`created_run_id`: the load's one journal entry
stands for each account's "created" entry, store/journal.py), and its custom values in
canonical text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from operator import is_not
from typing import Any

from sqlalchemy.orm import Session

from listbridge.core.accounts import Account, AccountType
from listbridge.core.row_columns import ColumnRows
from listbridge.core.values import format_custom
from listbridge.crm.builtin.bulk import Column, Same, bulk_insert_columns
from listbridge.crm.builtin.records import ACCOUNT_COLUMNS, ACCOUNTS, VALUES, FieldCatalog

ORIGIN = "file"
_DEFAULTS = Account("").__dict__
_TYPE_TEXT = {kind: kind.value for kind in AccountType}


@dataclass(frozen=True)
class LoadStamp:
    """What every row a load writes shares: whose, which run, when, from which file."""

    connection_id: int
    run_id: int
    at: datetime
    file_name: str
    reason: str


def insert_columns(
    session: Session, catalog: FieldCatalog, block: ColumnRows, stamp: LoadStamp
) -> None:
    """Insert the accounts of `block`, none of which is stored yet."""
    count = len(block)
    if not count:
        return
    bulk_insert_columns(session, ACCOUNTS, _account_columns(block, stamp), count)
    for name, values in block.custom.items():
        _insert_values(session, stamp.connection_id, catalog.ids[name], block.ids, values)


def _account_columns(block: ColumnRows, stamp: LoadStamp) -> dict[str, Column]:
    """Each account column: the file's values, else the load's or the account's default."""
    given = block.standard
    columns: dict[str, Column] = {
        "connection_id": Same(stamp.connection_id),
        "created_run_id": Same(stamp.run_id),
    }
    for name in ACCOUNT_COLUMNS:
        columns[name] = given[name] if name in given else Same(_DEFAULTS[name])
    columns["type"] = list(map(_TYPE_TEXT.__getitem__, given["type"]))
    # Times and origin unless the file gave them (exports do), as BatchWriter._values.
    created = given.get("created_at")
    columns["created_at"] = Same(stamp.at) if created is None else [c or stamp.at for c in created]
    updated = given.get("updated_at")
    if updated is not None:
        first = created if created is not None else [stamp.at] * len(block)
        columns["updated_at"] = [u or c or stamp.at for u, c in zip(updated, first, strict=True)]
    else:
        columns["updated_at"] = columns["created_at"]
    if "origin_category" not in block.columns:
        columns["origin_category"] = Same(ORIGIN)
    if "origin_detail" not in block.columns:
        columns["origin_detail"] = Same(stamp.file_name)
    return columns


def _insert_values(
    session: Session, connection_id: int, field_id: int, ids: list[str], values: list[Any]
) -> None:
    """One custom field's values of the block, those rows that have one."""
    given = list(map(is_not, values, repeat(None)))
    if not any(given):
        return
    ids, values = list(compress(ids, given)), list(compress(values, given))
    # A field of few distinct values (a choice, a yes/no) formats each once.
    texts = {v: format_custom(v) for v in set(values)}
    columns: dict[str, Column] = {
        "connection_id": Same(connection_id),
        "account_id": ids,
        "field_id": Same(field_id),
        "value": list(map(texts.__getitem__, values)),
    }
    bulk_insert_columns(session, VALUES, columns, len(ids))
