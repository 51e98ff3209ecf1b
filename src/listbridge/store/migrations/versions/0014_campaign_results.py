"""campaign results: the campaigns a connection's lists were sent and their tracking rows

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COUNTERS = (
    "sends",
    "opens",
    "opens_all",
    "clicks",
    "clicks_all",
    "forwards",
    "optouts",
    "bounces",
    "abuse",
    "not_opened",
)


def upgrade() -> None:
    op.create_table(
        "cc_campaigns",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("list_ids", sa.JSON(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.Column("stats_at", UTCDateTime(), nullable=True),
        sa.Column("watermarks", sa.JSON(), nullable=False),
        sa.Column("pulled_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "campaign_id"),
    )
    op.create_index("ix_cc_campaigns_sent", "cc_campaigns", ["connection_id", "sent_at"])
    op.create_table(
        "cc_campaign_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("cc_contact_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("detail_key", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=True),
        sa.Column("flagged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "connection_id",
            "campaign_id",
            "kind",
            "cc_contact_id",
            "at",
            "detail_key",
            name="uq_cc_campaign_events_row",
        ),
    )
    op.create_index(
        "ix_cc_campaign_events_account", "cc_campaign_events", ["connection_id", "account_id"]
    )
    op.create_index(
        "ix_cc_campaign_events_contact", "cc_campaign_events", ["connection_id", "cc_contact_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_cc_campaign_events_contact", table_name="cc_campaign_events")
    op.drop_index("ix_cc_campaign_events_account", table_name="cc_campaign_events")
    op.drop_table("cc_campaign_events")
    op.drop_index("ix_cc_campaigns_sent", table_name="cc_campaigns")
    op.drop_table("cc_campaigns")
