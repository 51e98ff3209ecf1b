"""Segment filters run as SQL over a mapped CRM's accounts table, meaning exactly what
the predicates of core/filters.py mean (tests/unit/test_filter_sql_mapped.py holds them
together). The tree walk is crm/filter_sql_tree.py's; here, where each field's value is.

A column the adapter reads through a translation or its yes/no rules (the type, the
flags, deleted, a yes/no custom field) is decided by its values: its distinct values are
read once and each is judged in Python as the adapter would read it. Text is decided as
Python folds it on SQLite (the fold is a function of the connection) and for ASCII values
on PostgreSQL; MariaDB's collations ignore case and accents and its TRIM only spaces, so
there a text comparison is left to Python. Undecided accounts are read and judged by the
Python predicate, so every answer is Python's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Connection, DateTime, RowMapping
from sqlalchemy.sql import ColumnElement, and_, func, select, true

from listbridge.core.accounts import BOOLEAN_COLUMNS, CUSTOM_PREFIX, EMAIL_COLUMNS, FieldType
from listbridge.core.filters import Segment, Test
from listbridge.crm import filter_sql_tree as tree
from listbridge.crm.filter_sql_tree import Condition, Verdict
from listbridge.crm.sqlmap import reads
from listbridge.crm.sqlmap.reads import key_column
from listbridge.crm.sqlmap.rows import NAME_FIELDS
from listbridge.crm.sqlmap.schema import Shape, python_type
from listbridge.crm.sqlmap.values import custom_value, read_flag, read_type, text


def select_ids(
    conn: Connection, shape: Shape, segment: Segment | None, *, defaults: bool
) -> tuple[list[str], Iterator[list[RowMapping]]]:
    """The ids of the live accounts surely chosen, and the rows SQL left undecided, in
    pages (read on `conn`, in keyset pages as the Python path reads them: an undecided
    filter costs no more than that path). Chosen: `segment` selects them (`defaults`: the
    default exclusions too) or matches them."""
    sql = _MappedTranslator(conn, shape)
    holds, undecided = tree.chosen(sql, segment, sql.live(), defaults=defaults)
    key = key_column(shape)
    return sql.ids(holds), reads.pages(lambda: nullcontext(conn), shape, undecided, [key])


class _MappedTranslator(tree.ColumnTranslator):
    def __init__(self, conn: Connection, shape: Shape) -> None:
        super().__init__(conn)
        self.shape = shape

    def ids(self, where: Condition) -> list[str]:
        query = select(key_column(self.shape)).where(where)
        return [text(k) for k in self.conn.execute(query).scalars()]

    def live(self) -> Verdict:
        """The accounts not deleted, as rows.is_deleted reads the deleted column."""
        m = self.shape.mapping.accounts
        if m.deleted is None:
            return tree.HOLDS
        table = m.translate.get("deleted")
        alive = Test("deleted", False, "boolean", "=", (False,))
        column = self.shape.column(m.deleted)
        return self.by_values(alive, column, False, lambda v: _flag(table, v))

    def test(self, t: Test) -> Verdict:
        m = self.shape.mapping.accounts
        name = CUSTOM_PREFIX + t.field if t.custom else t.field
        column = self.shape.field_column(name)
        if t.field in BOOLEAN_COLUMNS and not t.custom:
            table = m.translate.get(t.field)
            return self.by_values(t, column, False, lambda v: _flag(table, v))
        if t.field == "type" and not t.custom:
            table = m.translate.get("type")
            return self.by_values(t, column, "individual", lambda v: read_type(table, v).value)
        if t.kind == "boolean":  # a custom yes/no column
            return self.by_values(t, column, None, lambda v: custom_value(FieldType.BOOLEAN, v))
        if _unmapped(self.shape, t):  # missing on every account
            return tree.HOLDS if tree.judged(t, None) else tree.FAILS
        return super().test(t)

    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        if t.field == "any_email" and not t.custom:
            columns = [c for f in EMAIL_COLUMNS if (c := self.shape.field_column(f)) is not None]
            folded = [f for c in columns if (f := self.folded(c)) is not None]
            if len(folded) < len(columns):
                return None
            return and_(true(), *(d for d, _ in folded)), [v for _, v in folded]
        column = self.column_of(t)
        if column is None:
            return None
        kind = python_type(column)
        if t.kind == "date":
            return self.day(t, column, kind)
        if t.kind == "number":
            return self.number(column, kind)
        one = self.folded(column)
        return None if one is None else (one[0], [one[1]])

    def column_of(self, t: Test) -> Column[Any] | None:
        """The column holding the field; None: not one this CRM decides in SQL."""
        m = self.shape.mapping.accounts
        if t.custom:
            return self.shape.field_column(CUSTOM_PREFIX + t.field)
        if t.field == "id":
            return key_column(self.shape)
        if t.field in ("created_at", "updated_at"):
            stamp = getattr(m, t.field)
            return None if stamp is None else self.shape.column(stamp)
        if m.full_name and t.field in NAME_FIELDS:
            return None  # split from the full name in Python
        return self.shape.field_column(t.field)

    def day(
        self, t: Test, column: Column[Any], kind: type | None
    ) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        """A date, or a time's UTC day (the adapter reads a zoneless time as UTC; a custom
        field's time is its own day)."""
        if kind is date:
            return true(), [column]
        if kind is not datetime:
            return None
        zoned = isinstance(column.type, DateTime) and column.type.timezone
        if zoned and (t.custom or not self.postgres) and not self.sqlite:
            return None
        return true(), [self.utc_day(column, zoned=zoned)]

    def number(
        self, column: Column[Any], kind: type | None
    ) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        if kind not in (int, Decimal):
            return None
        if self.sqlite:  # an integer (a decimal read back through a double: to 2**53)
            whole = func.typeof(column).in_(["integer", "null"])
            return and_(whole, func.coalesce(func.abs(column) < 2**53, true())), [column]
        return true(), [column]


def _flag(table: Any, value: object) -> bool:
    """rows.account_from's reading of a flag: NULL is no."""
    return value is not None and read_flag(table, value)


def _unmapped(shape: Shape, t: Test) -> bool:
    """A standard field the mapping gives no column: "" or no creation time."""
    if t.field == "created_at" and not t.custom:
        return shape.mapping.accounts.created_at is None
    if t.custom or t.kind != "text" or t.field in ("id", "any_email"):
        return False
    return shape.field_column(t.field) is None and not (
        shape.mapping.accounts.full_name and t.field in NAME_FIELDS
    )
