"""The declarative base every table of the state store is declared on.

Each module of this package declares its tables on `Base`, and `__init__` imports
them all, so `Base.metadata` (what Alembic and the schema test compare with the
migrations) always holds every table. Every table is scoped by connection.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def connection_fk(*, primary_key: bool = False) -> Mapped[int]:
    """The `connection_id` column: removing a connection removes its rows."""
    return mapped_column(
        Integer,
        ForeignKey("connections.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )
