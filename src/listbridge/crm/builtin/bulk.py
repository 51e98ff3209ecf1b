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
from dataclasses import dataclass
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
    if connection.dialect.name == "sqlite":
        limit = variable_limit(connection)
        run_sqlite_insert(
            connection, sqlite_insert(table, columns, count, connection.dialect, limit)
        )
        return
    names = tuple(columns)
    bound = _bound(table, columns, connection.dialect)
    every = [repeat(c.value, count) if isinstance(c, Same) else c for c in bound.values()]
    _insert(connection, table, names, list(zip(*every, strict=True)))


def _bound(
    table: Table, columns: Mapping[str, Column], dialect: Dialect
) -> dict[str, Iterable[Any] | Same]:
    """Each column's values as its type binds them (a `Same` column's value once)."""
    names = tuple(columns)
    processors = dict(_processors(table, names, dialect))
    bound: dict[str, Iterable[Any] | Same] = {}
    for index, name in enumerate(names):
        column, process = columns[name], processors.get(index)
        if isinstance(column, Same):
            bound[name] = Same(column.value if process is None else process(column.value))
        elif process is None:
            bound[name] = column
        else:
            bound[name] = _each_processed(process, column)
    return bound


def _each_processed(process: Processor, column: Sequence[Any]) -> list[Any]:
    """`process` of each value: a column repeats few distinct booleans and times, so each
    distinct value is processed once (a dictionary's lookup costs less than a cache's)."""
    distinct = {value: process(value) for value in set(column)}
    return list(map(distinct.__getitem__, column))


#: an INSERT's columns, and the literal of each column of one value
Shape = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class SqliteInsert:
    """Rows to INSERT into SQLite, made ready without the database (`sqlite_insert`): the
    statements' shape, and for each statement size (rows) the values of its statements."""

    table: Table
    shape: Shape
    statements: list[tuple[int, list[tuple[Any, ...]]]]

    def with_literal(self, name: str, value: Any) -> SqliteInsert:
        """The same rows with one more column of one value (one only known when writing:
        the id of a custom field the load creates)."""
        text = _literal(value)
        assert text is not None, value
        columns, literals = self.shape
        return SqliteInsert(
            self.table, ((*columns, name), (*literals, (name, text))), self.statements
        )


def sqlite_insert(
    table: Table, columns: Mapping[str, Column], count: int, dialect: Dialect, limit: int
) -> SqliteInsert:
    """The INSERT of `count` rows given column by column, for SQLite (`limit`: the
    connection's `variable_limit`). No database: a load makes it while it writes the last.

    A `Same` column's value is written into the statement as a literal, not bound once
    a row: a load's file leaves a third of the account's columns to one value each.
    (Numbered parameters, `?1` named by every row, cost SQLite a search of its parameter
    list for each one it compiles: quadratic in a statement's size.)"""
    bound = _bound(table, columns, dialect)
    literal = {name: _literal(c.value) for name, c in bound.items() if isinstance(c, Same)}
    kept = {name: text for name, text in literal.items() if text is not None}
    varying = [
        [c.value] * count if isinstance(c, Same) else c if isinstance(c, list) else list(c)
        for name, c in bound.items()
        if name not in kept
    ]
    statements: list[tuple[int, list[tuple[Any, ...]]]] = []
    start = 0
    for per, times in statement_sizes(count, _most_rows(limit, width=len(varying))):
        chunks = []
        for _ in range(times):
            # A statement's values, row after row: each column's slice, interleaved (in
            # one pass: ~2.5x faster than slicing the whole batch's values once laid out).
            end = start + per
            rows = zip(*[c[start:end] for c in varying], strict=True)
            chunks.append(tuple(chain.from_iterable(rows)))
            start = end
        statements.append((per, chunks))
    return SqliteInsert(table, (tuple(bound), tuple(kept.items())), statements)


def run_sqlite_insert(connection: Connection, insert: SqliteInsert) -> None:
    for per, chunks in insert.statements:
        statement = _literal_statement(insert.table, insert.shape, connection.dialect, per)
        connection.exec_driver_sql(statement, chunks if len(chunks) > 1 else chunks[0])


def _literal(value: Any) -> str | None:
    """`value` as an SQLite literal that stores what binding it stores; None: bind it."""
    if value is None:
        return "NULL"
    if isinstance(value, int):  # bool included: 1, 0, as sqlite3 binds it
        return str(int(value))
    if isinstance(value, str) and "\x00" not in value and _encodable(value):
        return "'" + value.replace("'", "''") + "'"
    return None


def _encodable(text: str) -> bool:
    """Text the statement can hold: UTF-8 (a file name read as bytes may not be)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


#: the most rows one INSERT takes (a power of two), within the connection's variable limit.
#: A load's writer takes the interpreter lock back after each statement SQLite steps
#: (prefetch.py): 1,024 rather than 256 a statement is a quarter of the hand-overs, at
#: the same CPU time (measured on 100,000 rows: 2.01-2.03 s against 2.01-2.06 s).
MOST_ROWS_PER_STATEMENT = 1024
#: SQLite's default variable limit since 3.32 (999 before it)
_VARIABLE_LIMIT = 32766


def variable_limit(connection: Connection) -> int:
    """The most variables one statement of the connection may have (SQLite)."""
    return min(_VARIABLE_LIMIT, _variable_limit(connection.connection.driver_connection))


def _most_rows(limit: int, width: int) -> int:
    """Rows per statement: as many as the variables allow, a power of two (statements of a
    few sizes only, each prepared once and kept in the driver's cache)."""
    most = MOST_ROWS_PER_STATEMENT
    while most > 1 and most * max(1, width) > limit:
        most //= 2
    return most


def _variable_limit(driver: Any) -> int:
    getlimit = getattr(driver, "getlimit", None)
    if getlimit is None:  # a driver without it: SQLite's oldest limit
        return 999
    return int(getlimit(9))  # SQLITE_LIMIT_VARIABLE_NUMBER


def statement_sizes(count: int, most: int) -> list[tuple[int, int]]:
    """`count` rows as statements of `most` rows, then one of each smaller power of two the
    rest needs: (rows per statement, how many statements)."""
    sizes = [(most, count // most)] if count >= most else []
    rest, size = count % most, most // 2
    while rest:
        if rest >= size:
            sizes.append((size, 1))
            rest -= size
        size //= 2
    return sizes


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


@lru_cache(maxsize=128)
def _literal_statement(
    table: Table,
    shape: tuple[tuple[str, ...], tuple[tuple[str, str], ...]],
    dialect: Dialect,
    rows: int,
) -> str:
    """INSERT of `rows` rows (shape: the columns, and the literal of each column of one
    value), each row's other columns a `?` in turn."""
    columns, literals = shape
    fixed = dict(literals)
    one = "(" + ", ".join(fixed.get(c, "?") for c in columns) + ")"
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    return f"INSERT INTO {target} ({names}) VALUES {', '.join([one] * rows)}"


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
