"""What jobs did and are doing: their runs and the records they did not sync, the
one-sync-at-a-time lock, and the journal of every change they made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class Run(Base):
    """One job execution: what ran, who started it, how it ended, its counts."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = connection_fk()
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    __table_args__ = (Index("ix_runs_connection_started", "connection_id", "started_at"),)


class RunError(Base):
    """A record a run did not sync, and why, in words a human understands."""

    __tablename__ = "run_errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    account_id: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    field: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # 0023
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    row: Mapped[int | None] = mapped_column(Integer)
    # an account's refusals across runs (its last push: `crm show`, the account page): 0017
    __table_args__ = (Index("ix_run_errors_account", "account_id"),)


class Lock(Base):
    """The one-sync-at-a-time lock of a connection, kept alive by heartbeats."""

    __tablename__ = "locks"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    holder: Mapped[str] = mapped_column(String(300), nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The holding process (core.locks.ProcessRef), so its own machine can see it is gone.
    process_machine: Mapped[str | None] = mapped_column(String(300))
    process_pid: Mapped[int | None] = mapped_column(Integer)
    process_started: Mapped[str | None] = mapped_column(String(40))


class JournalEntry(Base):
    """One change a job made on either side: who changed what, and why."""

    __tablename__ = "journal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = connection_fk()
    run_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("runs.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    side: Mapped[str] = mapped_column(String(10), nullable=False)
    # `list:<name>` and `custom.<name>` keys: a name of 255 characters fits (0023)
    record_id: Mapped[str] = mapped_column(String(300), nullable=False)
    field: Mapped[str] = mapped_column(String(300), nullable=False)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (
        # one record's changes in time order (`crm show`, the account page): migration 0017
        Index("ix_journal_record", "connection_id", "side", "record_id", "at"),
        Index("ix_journal_run", "run_id", "id"),
        # /audit: newest first within a connection, and by field
        Index("ix_journal_at", "connection_id", "at"),
        Index("ix_journal_field", "connection_id", "field", "at"),
    )
