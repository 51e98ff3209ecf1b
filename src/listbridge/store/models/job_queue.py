"""The jobs handed to Celery workers (`listbridge worker`): one row per job enqueued.

The broker holds the message; this table holds what the store must know of it: at most
one queued-or-running entry per (connection, job) (a partial unique index, so two ticks
or two clicks cannot both enqueue it), when a schedule was last served though its job
records no run, and what the web admin and `status` show as queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime

#: the states of an entry that still holds its (connection, job) slot
ACTIVE_STATES = ("queued", "running")
_ACTIVE = text("state IN ('queued', 'running')")


class QueuedJob(Base):
    """A job enqueued for the workers: a schedule's slot or a web admin's button."""

    __tablename__ = "job_queue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = connection_fk()
    #: a schedule's name ("unsubscribes", …) or a button's action ("push", "lists", …)
    job: Mapped[str] = mapped_column(String(60), nullable=False)
    #: who enqueued it: "scheduler" or "web:USER"
    origin: Mapped[str] = mapped_column(String(200), nullable=False)
    #: a web job's kind as JSON (runner/kinds.py); None for a schedule's slot
    kind: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: queued, running, done, skipped or failed
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the worker running it, `HOST pid N`
    worker: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    task_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    run_id: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    __table_args__ = (
        Index(
            "ux_job_queue_active",
            "connection_id",
            "job",
            unique=True,
            postgresql_where=_ACTIVE,
            sqlite_where=_ACTIVE,
        ),
        Index("ix_job_queue_connection", "connection_id", "job", "enqueued_at"),
    )
