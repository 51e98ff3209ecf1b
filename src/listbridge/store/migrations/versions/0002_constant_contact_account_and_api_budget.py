"""constant contact account (encrypted tokens, health) and the daily API budget

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_budget",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("daily_limit", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id"),
    )
    op.create_table(
        "cc_accounts",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret_enc", sa.Text(), nullable=True),
        sa.Column("api_base", sa.String(length=300), nullable=False),
        sa.Column("auth_base", sa.String(length=300), nullable=False),
        sa.Column("redirect_uri", sa.String(length=300), nullable=False),
        sa.Column("tokens_enc", sa.Text(), nullable=True),
        sa.Column("token_obtained_at", UTCDateTime(), nullable=True),
        sa.Column("token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("connected_at", UTCDateTime(), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("organization_name", sa.String(length=300), nullable=False),
        sa.Column("owner_name", sa.String(length=300), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("health", sa.String(length=30), nullable=False),
        sa.Column("health_reason", sa.Text(), nullable=False),
        sa.Column("health_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id"),
    )


def downgrade() -> None:
    op.drop_table("cc_accounts")
    op.drop_table("api_budget")
