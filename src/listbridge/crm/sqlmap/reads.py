"""Reading a mapped CRM's accounts table: rows by key, in keyset pages, by address."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    and_,
    or_,
    select,
)

from listbridge.core.accounts import EMAIL_COLUMNS
from listbridge.crm import email_lookup
from listbridge.crm.email_lookup import Lookup
from listbridge.crm.sql_session import MYSQL_DIALECTS
from listbridge.crm.sqlmap.schema import Shape, python_type

#: rows per page, and ids per IN (…): well under every database's limits
PAGE = 1000
IN_CHUNK = 900


def key_column(shape: Shape) -> Column[Any]:
    return shape.column(shape.mapping.accounts.key)


def key_values(shape: Shape, ids: Iterable[str]) -> list[Any]:
    """The ids as the key column holds them ("12" → 12 in a number column); an id that
    cannot be a key names no row and is left out."""
    numeric = python_type(key_column(shape)) is int
    wanted: set[Any] = set()
    for given in ids:
        if not numeric:
            wanted.add(given)
        elif given.isascii() and given.isdigit() and str(int(given)) == given:
            wanted.add(int(given))
    return sorted(wanted)


def rows_by_key(conn: Connection, shape: Shape, ids: Iterable[str]) -> list[RowMapping]:
    wanted = key_values(shape, ids)
    key = key_column(shape)
    rows: list[RowMapping] = []
    for start in range(0, len(wanted), IN_CHUNK):
        query = select(shape.accounts).where(key.in_(wanted[start : start + IN_CHUNK]))
        rows += conn.execute(query).mappings()
    return rows


def rows_by_email(
    conn: Connection, shape: Shape, keys: Sequence[str], first_only: bool = False
) -> list[RowMapping]:
    """Rows that may have one of these keys (`match_key`) in an e-mail column: the
    callers keep those that do (crm/email_lookup.py)."""
    fields = EMAIL_COLUMNS[:1] if first_only else EMAIL_COLUMNS
    columns = [c for f in fields if (c := shape.field_column(f)) is not None]
    dialect, key = conn.dialect.name, key_column(shape).name
    rows: dict[Any, RowMapping] = {}
    for lookup in email_lookup.lookups(keys, IN_CHUNK):
        found = or_(*(_matching(c, lookup, dialect) for c in columns))
        rows |= {
            row[key]: row for row in conn.execute(select(shape.accounts).where(found)).mappings()
        }
    return list(rows.values())


def _matching(column: Column[Any], lookup: Lookup, dialect: str) -> ColumnElement[bool]:
    """The column may hold one of the lookup's keys. Where MySQL's collation already
    ignores case, compared as it is, so that an index on it serves (a value with a
    leading space, which MySQL does not ignore, is found by a second range of the same
    index); elsewhere trimmed and lower-cased, a full scan."""
    folded = email_lookup.holding(column, dialect, lookup)
    collation = getattr(column.type, "collation", None)
    if dialect in MYSQL_DIALECTS and (collation is None or str(collation).endswith("_ci")):
        return or_(email_lookup.matches(column, lookup), and_(column.like(" %"), folded))
    return folded


def pages(
    read: Any, shape: Shape, where: ColumnElement[bool] | None, order: Sequence[Column[Any]]
) -> Iterator[list[RowMapping]]:
    """The rows in keyset pages on `order` (the key last); `read()` opens a connection."""
    after: tuple[Any, ...] | None = None
    while True:
        query: Select[Any] = select(shape.accounts).order_by(*order).limit(PAGE)
        if where is not None:
            query = query.where(where)
        if after is not None:
            query = query.where(_after(order, after))
        with read() as conn:
            rows = list(conn.execute(query).mappings())
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = tuple(rows[-1][c.name] for c in order)


def _after(keys: Sequence[Column[Any]], after: tuple[Any, ...]) -> ColumnElement[bool]:
    """`keys > after` spelled out, so that MariaDB seeks on every column (not the first)."""
    later: ColumnElement[bool] = keys[-1] > after[-1]
    for key, bound in zip(reversed(keys[:-1]), reversed(after[:-1]), strict=True):
        later = or_(key > bound, and_(key == bound, later))
    return later
