"""Fast multi-row INSERT for the large batches of `crm load`.

SQLAlchemy assembles and type-processes the parameters of every row of an
executemany in Python, which costs more than SQLite's own insert on a
100,000-row file. Here the values go through the same bind processors of the
column types (so they are stored exactly as SQLAlchemy stores them: UTC
datetimes, booleans) and straight to the driver: SQLite's executemany
(no network, so a statement per row is cheap) or PostgreSQL's COPY (a
statement per row costs the server ~40 µs each, several times SQLite's; and
multi-row VALUES measured slower still, psycopg re-parsing the long statement).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any]


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[list[Any]]
) -> None:
    """INSERT `rows` (values in `columns` order; the lists are reused) into `table`."""
    connection = session.connection()
    processors = _processors(table, tuple(columns), connection.dialect)
    # A batch repeats few distinct booleans and times: process each value once.
    done: list[dict[Any, Any]] = [{} for _ in processors]
    prepared: list[tuple[Any, ...]] = []
    for row in rows:
        for (index, process), memo in zip(processors, done, strict=True):
            value = row[index]
            if value not in memo:
                memo[value] = process(value)
            row[index] = memo[value]
        prepared.append(tuple(row))
    if not prepared:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, table, tuple(columns), prepared)
    else:
        connection.exec_driver_sql(_statement(table, tuple(columns), connection.dialect), prepared)


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
def _statement(table: Table, columns: tuple[str, ...], dialect: Dialect) -> str:
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    return f"INSERT INTO {target} ({names}) VALUES ({', '.join([marker] * len(columns))})"


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
