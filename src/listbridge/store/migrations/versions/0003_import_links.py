"""import: CC links (subscriptions, last seen consent), list mirror, import cursors and pending

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cc_links",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("cc_contact_id", sa.String(length=64), nullable=False),
        sa.Column("list_ids", sa.JSON(), nullable=False),
        sa.Column("permission_to_send", sa.String(length=30), nullable=False),
        sa.Column("opt_out_source", sa.String(length=20), nullable=False),
        sa.Column("cc_updated_at", UTCDateTime(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "account_id"),
        sa.UniqueConstraint("connection_id", "cc_contact_id", name="uq_cc_links_contact"),
    )
    op.create_table(
        "cc_lists",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("cc_list_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("cc_members", sa.Integer(), nullable=True),
        sa.Column("last_sync", UTCDateTime(), nullable=True),
        sa.Column("refreshed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "cc_list_id"),
    )
    with op.batch_alter_table("cc_lists", schema=None) as batch_op:
        batch_op.create_index("ix_cc_lists_name", ["connection_id", "name"], unique=False)
    op.create_table(
        "import_cursors",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("updated_after", UTCDateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "scope"),
    )
    op.create_table(
        "import_pending",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("cc_contact_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "cc_contact_id"),
    )


def downgrade() -> None:
    op.drop_table("import_pending")
    op.drop_table("import_cursors")
    with op.batch_alter_table("cc_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_cc_lists_name")
    op.drop_table("cc_lists")
    op.drop_table("cc_links")
