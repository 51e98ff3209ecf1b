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

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from listbridge.core.accounts import Account, AccountType
from listbridge.core.row_columns import ColumnRows
from listbridge.core.values import format_custom
from listbridge.crm.builtin.bulk import (
    Column,
    Same,
    SqliteInsert,
    bulk_insert_columns,
    run_sqlite_insert,
    sqlite_insert,
)
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
        given = _given_values(block.ids, values)
        if given is not None:
            columns = _value_columns(stamp.connection_id, *given)
            columns["field_id"] = Same(catalog.ids[name])
            bulk_insert_columns(session, VALUES, columns, len(given[0]))


@dataclass(frozen=True)
class ReadyColumns:
    """The INSERTs of a block of new accounts for SQLite, made without the database
    (`ready_columns`), so that a load makes them while the database writes the last
    block: the accounts', and each custom field's but for the field's id."""

    accounts: SqliteInsert
    values: dict[str, SqliteInsert]


def ready_columns(
    block: ColumnRows, stamp: LoadStamp, dialect: Dialect, limit: int
) -> ReadyColumns:
    """`insert_columns` of `block` made ready (SQLite: `limit` is `bulk.variable_limit`)."""
    count = len(block)
    accounts = sqlite_insert(ACCOUNTS, _account_columns(block, stamp), count, dialect, limit)
    values = {}
    for name, custom in block.custom.items():
        given = _given_values(block.ids, custom)
        if given is not None:
            columns = _value_columns(stamp.connection_id, *given)
            values[name] = sqlite_insert(VALUES, columns, len(given[0]), dialect, limit)
    return ReadyColumns(accounts, values)


def insert_ready(session: Session, catalog: FieldCatalog, ready: ReadyColumns) -> None:
    """Run the INSERTs `ready_columns` made, each custom field's with the field's id."""
    connection = session.connection()
    run_sqlite_insert(connection, ready.accounts)
    for name, insert in ready.values.items():
        run_sqlite_insert(connection, insert.with_literal("field_id", catalog.ids[name]))


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


def _given_values(ids: list[str], values: list[Any]) -> tuple[list[str], list[Any]] | None:
    """The ids and values of one custom field's rows that have a value; None if none has."""
    if None not in values:
        return ids, values
    given = list(map(is_not, values, repeat(None)))
    if not any(given):
        return None
    return list(compress(ids, given)), list(compress(values, given))


def _value_columns(connection_id: int, ids: list[str], values: list[Any]) -> dict[str, Column]:
    """A custom field's rows (ids and values) as the columns of its values but field_id."""
    distinct = set(values)
    if set(map(type, distinct)) == {str}:
        texts = values  # text (a text or choice field's) is its own canonical text
    else:
        # A field of few distinct values (a choice, a yes/no) formats each once.
        table = {v: format_custom(v) for v in distinct}
        texts = list(map(table.__getitem__, values))
    return {"connection_id": Same(connection_id), "account_id": ids, "value": texts}
