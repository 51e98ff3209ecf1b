"""Fast multi-row INSERT for the large batches of `crm load`.

SQLAlchemy assembles and type-processes the parameters of every row of an
executemany in Python, which costs more than SQLite's own insert on a
100,000-row file. Here the values go through the same bind processors of the
column types (so they are stored exactly as SQLAlchemy stores them: UTC
datetimes, booleans) and straight to the driver: SQLite's executemany of
multi-row INSERTs (no network, so statements are cheap) or PostgreSQL's COPY (a
statement per row costs the server ~40 µs each, several times SQLite's; and
multi-row VALUES measured slower still, psycopg re-parsing the long statement).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, repeat
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any]
ROWS_PER_STATEMENT = 32


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (values in `columns` order) into `table`."""
    if not rows:
        return
    connection = session.connection()
    names = tuple(columns)
    _insert(
        connection, table, names, _processed(rows, _processors(table, names, connection.dialect))
    )


def _insert(
    connection: Connection, table: Table, names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    if connection.dialect.name == "postgresql":
        _copy(connection, table, names, rows)
    else:
        _insert_sqlite(connection, table, names, rows)


class Same:
    """One value for every row of a column (a load's time, its connection, a default)."""

    def __init__(self, value: Any) -> None:
        self.value = value


Column = Sequence[Any] | Same


def bulk_insert_columns(
    session: Session, table: Table, columns: Mapping[str, Column], count: int
) -> None:
    """INSERT `count` rows given column by column, as `bulk_insert` does.

    A batch of new accounts arrives as columns (core/row_columns.py); binding each
    column at once, and a `Same` column's value once, spares a Python step per value.
    """
    if not count:
        return
    connection = session.connection()
    names = tuple(columns)
    processors = dict(_processors(table, names, connection.dialect))
    bound: dict[str, Iterable[Any] | Same] = {}
    for index, name in enumerate(names):
        column, process = columns[name], processors.get(index)
        if isinstance(column, Same):
            bound[name] = Same(column.value if process is None else process(column.value))
        elif process is None:
            bound[name] = column
        else:
            bound[name] = map(lru_cache(maxsize=None)(process), column)
    if connection.dialect.name == "sqlite":
        _insert_sqlite_columns(connection, table, bound, count)
        return
    every = [repeat(c.value, count) if isinstance(c, Same) else c for c in bound.values()]
    _insert(connection, table, names, list(zip(*every, strict=True)))


def _insert_sqlite_columns(
    connection: Connection, table: Table, bound: Mapping[str, Iterable[Any] | Same], count: int
) -> None:
    """A `Same` column's value is bound once a statement (a numbered parameter that every
    row of the statement names), not once a row: a load's file leaves a third of the
    account's columns to one value each."""
    same = {name: c.value for name, c in bound.items() if isinstance(c, Same)}
    varying = [c for c in bound.values() if not isinstance(c, Same)]
    rows = list(zip(*varying, strict=True)) if varying else [()] * count
    per = max(1, min(ROWS_PER_STATEMENT, (999 - len(same)) // max(1, len(varying))))
    shape = (tuple(bound), tuple(same))
    once = tuple(same.values())
    whole = count - count % per
    if whole:
        statement = _numbered_statement(table, shape, connection.dialect, per)
        chunks = [
            once + tuple(chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)
        ]
        connection.exec_driver_sql(statement, chunks)
    if whole < count:
        statement = _numbered_statement(table, shape, connection.dialect, count - whole)
        connection.exec_driver_sql(statement, once + tuple(chain.from_iterable(rows[whole:])))


def _processed(
    rows: Sequence[Sequence[Any]], processors: list[tuple[int, Processor]]
) -> list[tuple[Any, ...]]:
    """The rows with each value bound as its column type binds it, column by column."""
    if not processors:
        return [tuple(row) for row in rows]
    by_column = list(zip(*rows, strict=True))
    for index, process in processors:
        # A batch repeats few distinct booleans and times: process each value once.
        by_column[index] = tuple(map(lru_cache(maxsize=None)(process), by_column[index]))
    return list(zip(*by_column, strict=True))


def _insert_sqlite(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Up to 32 rows per INSERT: SQLite steps through one statement instead of 32,
    measured ~12% faster on a 100,000-row load; within SQLite's oldest limit of 999
    variables a statement."""
    per = max(1, min(ROWS_PER_STATEMENT, 999 // len(columns)))
    whole = len(rows) - len(rows) % per
    if whole:
        chunks = [tuple(chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)]
        connection.exec_driver_sql(_statement(table, columns, connection.dialect, per), chunks)
    if whole < len(rows):
        rest = rows[whole:]
        connection.exec_driver_sql(_statement(table, columns, connection.dialect, 1), rest)


def _copy(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    # The session's own driver connection: COPY runs in the same transaction.
    driver = connection.connection.driver_connection
    assert driver is not None
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


@lru_cache(maxsize=32)
def _statement(table: Table, columns: tuple[str, ...], dialect: Dialect, rows: int) -> str:
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    one = f"({', '.join([marker] * len(columns))})"
    return f"INSERT INTO {target} ({names}) VALUES {', '.join([one] * rows)}"


@lru_cache(maxsize=32)
def _numbered_statement(
    table: Table, shape: tuple[tuple[str, ...], tuple[str, ...]], dialect: Dialect, rows: int
) -> str:
    """INSERT of `rows` rows whose `same` columns name the parameters ?1, ?2, …, each
    row's other columns the next ones in turn (shape: the columns, the `same` ones)."""
    columns, same = shape
    varying = [c for c in columns if c not in same]
    once = {name: f"?{n}" for n, name in enumerate(same, start=1)}
    groups = []
    for row in range(rows):
        first = len(same) + 1 + row * len(varying)
        slots = once | {name: f"?{first + k}" for k, name in enumerate(varying)}
        groups.append(f"({', '.join(slots[c] for c in columns)})")
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    return f"INSERT INTO {target} ({names}) VALUES {', '.join(groups)}"


@lru_cache(maxsize=32)
def _processors(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> list[tuple[int, Processor]]:
    # The dialect's own implementation, as SQLAlchemy uses: the generic type's
    # processor would hand SQLite a datetime to store in a format of its own.
    found: list[tuple[int, Processor]] = []
    for index, column in enumerate(columns):
        process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((index, process))
    return found
