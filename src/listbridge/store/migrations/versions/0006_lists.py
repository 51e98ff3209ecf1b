"""lists: the builtin CRM's lists and their members, list-sync state on cc_lists, and
what each side of a synced list held after the last list sync

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("connection_id", "name", name="uq_crm_lists_name"),
    )
    op.create_table(
        "crm_list_members",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["crm_lists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["connection_id", "account_id"],
            ["crm_accounts.connection_id", "crm_accounts.id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "account_id"),
    )
    op.create_index(
        "ix_crm_list_members_account", "crm_list_members", ["connection_id", "account_id"]
    )
    op.create_table(
        "list_sync_members",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("cc_list_id", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=3), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "cc_list_id", "side", "account_id"),
    )
    # SQLite cannot add a foreign key to a table in place: batch mode copies cc_lists.
    with op.batch_alter_table("cc_lists") as batch:
        batch.add_column(sa.Column("crm_list_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("synced_name", sa.String(length=255), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("rule_kind", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("rule", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(
            "fk_cc_lists_crm_list_id", "crm_lists", ["crm_list_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("cc_lists") as batch:
        batch.drop_constraint("fk_cc_lists_crm_list_id", type_="foreignkey")
        batch.drop_column("rule")
        batch.drop_column("rule_kind")
        batch.drop_column("synced_name")
        batch.drop_column("crm_list_id")
    op.drop_table("list_sync_members")
    op.drop_index("ix_crm_list_members_account", table_name="crm_list_members")
    op.drop_table("crm_list_members")
    op.drop_table("crm_lists")
