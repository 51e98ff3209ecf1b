"""web admin, part 2: each user's remembered page choices, and the journal searchable by date

`web_preferences` keeps what a user chose on a page (the dashboard's campaign widget:
columns, row count, sort) as one JSON value per user and key, per install like the users.
The journal gets the indexes its search at /audit needs: newest first within a connection,
and by field.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["web_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "key"),
    )
    op.create_index("ix_journal_at", "journal", ["connection_id", "at"])
    op.create_index("ix_journal_field", "journal", ["connection_id", "field", "at"])


def downgrade() -> None:
    op.drop_index("ix_journal_field", table_name="journal")
    op.drop_index("ix_journal_at", table_name="journal")
    op.drop_table("web_preferences")
