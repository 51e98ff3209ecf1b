"""INSERT … ON CONFLICT, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, model: Any, keys: list[str], values: dict[str, Any]) -> None:
    """Insert `values`, or update the row with the same `keys`, in one statement.

    A read-then-write (`session.merge`) loses when another connection inserts the
    same key between the two; one statement cannot.
    """
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    changes = {k: v for k, v in values.items() if k not in keys}
    statement = insert(table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))
