"""push: bulk activities remembered across a killed push; the address a push sent, per link

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_activities",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "key"),
    )
    with op.batch_alter_table("cc_links") as batch:
        batch.add_column(
            sa.Column("email", sa.String(length=255), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("cc_links") as batch:
        batch.drop_column("email")
    op.drop_table("push_activities")
