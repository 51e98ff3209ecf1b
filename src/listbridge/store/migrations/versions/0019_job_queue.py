"""job_queue: the jobs handed to Celery workers, at most one queued or running per job

A partial unique index on (connection_id, job) over the queued and running entries is
what keeps a connection from being enqueued twice for one schedule (fair queueing); the
other index finds a connection's latest entry of a job (when a schedule was last served).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "job_queue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("enqueued_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("worker", sa.String(length=300), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_job_queue_active",
        "job_queue",
        ["connection_id", "job"],
        unique=True,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    op.create_index("ix_job_queue_connection", "job_queue", ["connection_id", "job", "enqueued_at"])


def downgrade() -> None:
    op.drop_index("ix_job_queue_connection", table_name="job_queue")
    op.drop_index("ux_job_queue_active", table_name="job_queue")
    op.drop_table("job_queue")
