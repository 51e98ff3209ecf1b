"""Making a named connection on purpose (the web admin's ``/connections``), and naming the
connection whose authorisation another reuses (``connect --reuse OTHER`` and that page).

The CLI makes a connection implicitly on first use of ``--connection NAME``
(connections.py ``connection_id``); here a duplicate or a bad name is refused instead,
and a connection asked to reuse another's authorisation is made and linked in one
transaction, so a refused reuse leaves no half-made connection behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from listbridge.core.connection_names import check_new_name
from listbridge.core.errors import UserError
from listbridge.core.tokens import AccountIdentity
from listbridge.store.db import Store
from listbridge.store.models import Connection
from listbridge.store.tokens import reuse_in


@dataclass(frozen=True)
class NewConnection:
    connection_id: int
    name: str
    #: the account it shares with the connection it reuses (None: not connected yet)
    identity: AccountIdentity | None = None


def create_connection(store: Store, name: str, reuse: str | None = None) -> NewConnection:
    """A new connection `name`, using connection `reuse`'s authorisation when given."""
    name = check_new_name(name)
    try:
        with store.session() as session:
            if _id_of(session, name) is not None:
                raise UserError(f"there is already a connection named {name!r}")
            other_id = reuse_target(session, reuse) if reuse else None
            row = Connection(name=name, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            identity = reuse_in(session, row.id, other_id) if other_id else None
            return NewConnection(row.id, name, identity)
    except IntegrityError:
        # made by another request between our look-up and our insert
        raise UserError(f"there is already a connection named {name!r}") from None


def reuse_target(session: Session, other: str) -> int:
    """The id of connection `other`, whose authorisation is to be reused."""
    other_id = _id_of(session, other)
    if other_id is None:
        known = ", ".join(session.scalars(select(Connection.name).order_by(Connection.name)))
        raise UserError(f"no connection named {other!r} to reuse (connections: {known or 'none'})")
    return other_id


def reuse_named(store: Store, connection_id: int, other: str) -> AccountIdentity:
    """``connect --reuse OTHER``: this connection uses connection `other`'s authorisation."""
    with store.session() as session:
        return reuse_in(session, connection_id, reuse_target(session, other))


def _id_of(session: Session, name: str) -> int | None:
    return session.scalar(select(Connection.id).where(Connection.name == name))
