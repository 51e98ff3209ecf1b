"""locks: the holding process (machine, pid, start), so that a holder killed on the
machine of the next job is recovered at once instead of when its lease lapses

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("process_machine", sa.String(length=300)),
    ("process_pid", sa.Integer()),
    ("process_started", sa.String(length=40)),
)


def upgrade() -> None:
    with op.batch_alter_table("locks") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locks") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
