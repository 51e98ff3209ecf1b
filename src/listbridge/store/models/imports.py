"""The import's own tables: where the next incremental import starts, and the
contacts an import left out to be reconsidered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class ImportCursor(Base):
    """Where the next incremental import starts, per scope (`*` or a CC list id).

    Advanced only when an import finishes, to the moment that import started,
    so nothing changed during a run is skipped by the next one.
    """

    __tablename__ = "import_cursors"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    updated_after: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer)


class ImportPending(Base):
    """A contact an import did not bring in, kept (as last fetched) to be reconsidered."""

    __tablename__ = "import_pending"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    cc_contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer)
