"""connection health: when the "needs reconnect" e-mail of the current episode went out

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cc_accounts") as batch:
        batch.add_column(sa.Column("health_notified_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cc_accounts") as batch:
        batch.drop_column("health_notified_at")
