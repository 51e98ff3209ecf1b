"""Connections: the scope every other table hangs off."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from listbridge.core.errors import UserError
from listbridge.store.db import Store
from listbridge.store.models import Connection

MAX_NAME = 100


def connection_id(store: Store, name: str) -> int:
    """The id of the named connection, creating it on first use."""
    if not name or len(name) > MAX_NAME:
        raise UserError(f"connection name must be 1–{MAX_NAME} characters, got {name!r}")
    found = _find(store, name)
    if found is not None:
        return found
    try:
        with store.session() as session:
            row = Connection(name=name, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        # Another process created it between our look-up and our insert.
        found = _find(store, name)
        assert found is not None
        return found


def _find(store: Store, name: str) -> int | None:
    with store.session() as session:
        return _find_in(session, name)


def _find_in(session: Session, name: str) -> int | None:
    return session.scalar(select(Connection.id).where(Connection.name == name))


def connection_name(store: Store, connection_id: int) -> str:
    with store.session() as session:
        return str(session.scalar(select(Connection.name).where(Connection.id == connection_id)))


def find_connection(store: Store, name: str) -> int | None:
    """The id of the named connection, None when there is none (nothing is created)."""
    return _find(store, name)


def connection_names(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(Connection.name).order_by(Connection.name)))
