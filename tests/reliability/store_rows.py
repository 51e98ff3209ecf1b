"""Every row of a state store, filled and compared, for the schema upgrade tests.

`fill_empty_tables` gives each table the head schema describes and nothing wrote to yet a
few rows of its own (every column set, foreign keys pointing at real rows, text in several
scripts), so that no table a migration touches is empty. `snapshot` reads every row of
every table a database has at its revision, as the driver returns it; `rows_of` reads the
same columns later, under a newer schema, so that the two can be compared row for row.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    func,
    inspect,
    select,
    text,
)

from listbridge.store.models import Base
from listbridge.store.types import UTCDateTime

ROWS_PER_TABLE = 3
#: a table's rows: each row's driver values (repr, so that dicts and datetimes compare)
Rows = Counter[tuple[str, ...]]
#: each table: its columns, and its rows read through them
Snapshot = dict[str, tuple[list[str], Rows]]
#: (table, column at the old revision) → the column that holds its value now, and how the
#: value reads there (0010: a CC list's pairing is the CRM's key of the list, as text)
MOVED: dict[tuple[str, str], tuple[str, Any]] = {
    ("cc_lists", "crm_list_id"): ("crm_list_key", lambda v: None if v is None else str(v)),
}
NAMES = ("Zoë Müller", "Đặng Thị Hồng", "Ólafur Ísak", "李小龍", "O'Brien & Söhne", "Ana-María")


def fill_empty_tables(engine: Engine) -> dict[str, int]:
    """A few rows in every table still empty; the number of rows of each table after."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if conn.scalar(select(func.count()).select_from(table)) == 0:
                parents = {fk: _parent_rows(conn, fk) for fk in table.foreign_key_constraints}
                rows = [_row(table, n, parents) for n in range(ROWS_PER_TABLE)]
                conn.execute(table.insert(), rows)
            counts[table.name] = int(conn.scalar(select(func.count()).select_from(table)) or 0)
    return counts


def _parent_rows(conn: Any, fk: Any) -> list[tuple[Any, ...]]:
    columns = [element.column for element in fk.elements]
    found = conn.execute(select(*columns).order_by(*columns)).all()
    assert found, f"{fk.parent.name}: no {fk.referred_table.name} row to point at"
    return [tuple(row) for row in found]


def _row(table: Table, n: int, parents: dict[Any, list[tuple[Any, ...]]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for fk, rows in parents.items():
        chosen = rows[n % len(rows)]
        row.update({e.parent.name: value for e, value in zip(fk.elements, chosen, strict=True)})
    for column in table.columns:
        if column.name in row or (column.autoincrement is True and column.primary_key):
            continue
        if column.primary_key and isinstance(column.type, Integer) and len(table.primary_key) == 1:
            continue  # the database numbers it
        row[column.name] = _value(column, n)
    return row


def _value(column: Column[Any], n: int) -> Any:
    kind = column.type
    if isinstance(kind, Boolean):
        return n % 2 == 0
    if isinstance(kind, Integer):
        return 10 + n
    if isinstance(kind, Float | Numeric):
        return 1.5 + n
    if isinstance(kind, UTCDateTime | DateTime):
        return datetime(2026, 3, 29, 1, 30, tzinfo=UTC) + timedelta(days=n, microseconds=n)
    if isinstance(kind, Date):
        return date(2026, 2, 28) + timedelta(days=n)
    if isinstance(kind, JSON):
        return {"name": NAMES[n % len(NAMES)], "n": n, "tags": ["a", "ß"]}
    if isinstance(kind, LargeBinary):
        return bytes([n, 0, 255]) * 4
    length = getattr(kind, "length", None) or 400
    word = f"{NAMES[n % len(NAMES)]} {column.table.name}.{column.name} #{n}"
    return word[:length]


def snapshot(engine: Engine) -> Snapshot:
    """Each table of the database now (but Alembic's own): its columns and its rows."""
    found = inspect(engine)
    tables = sorted(t for t in found.get_table_names() if t != "alembic_version")
    taken: Snapshot = {}
    for table in tables:
        columns = sorted(c["name"] for c in found.get_columns(table))
        taken[table] = (columns, _read(engine, table, {c: c for c in columns}))
    return taken


def rows_of(engine: Engine, table: str, columns: list[str]) -> Rows:
    """The table's rows read through `columns` of an older revision (moved ones followed)."""
    return _read(engine, table, {c: MOVED.get((table, c), (c, None))[0] for c in columns})


def expected_rows(table: str, columns: list[str], rows: Rows) -> Rows:
    """`rows` of an older revision as the newest schema holds them."""
    turns = [MOVED.get((table, c), (c, None))[1] for c in columns]
    if not any(turns):
        return rows
    moved: Rows = Counter()
    for row, times in rows.items():
        values = [
            r if turn is None else repr(turn(None if r == "None" else int(r)))
            for r, turn in zip(row, turns, strict=True)
        ]
        moved[tuple(values)] += times
    return moved


def _read(engine: Engine, table: str, sources: dict[str, str]) -> Rows:
    quote = engine.dialect.identifier_preparer.quote
    listed = ", ".join(quote(source) for source in sources.values())
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT {listed} FROM {quote(table)}"))
        return Counter(tuple(repr(value) for value in row) for row in result)


def counts(engine: Engine) -> dict[str, int]:
    quote = engine.dialect.identifier_preparer.quote
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        return {t: int(conn.scalar(text(f"SELECT count(*) FROM {quote(t)}")) or 0) for t in tables}
