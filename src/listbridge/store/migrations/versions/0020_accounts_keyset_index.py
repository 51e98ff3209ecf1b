"""the builtin CRM's accounts in (updated_at, id) order straight from one index

A job reads the CRM's changes in keyset pages ordered by (updated_at, id). A `crm load`
gives every account of a file the same updated_at, and the index on (connection_id,
updated_at) alone left each page to sort every account of that instant: a page cost grew
with the CRM (1,000 accounts/s read at a million). With the id in the index, each page
is one seek (the row-value comparison), whatever the CRM's size.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_crm_accounts_updated_id", "crm_accounts", ["connection_id", "updated_at", "id"]
    )
    op.drop_index("ix_crm_accounts_updated", table_name="crm_accounts")


def downgrade() -> None:
    op.create_index("ix_crm_accounts_updated", "crm_accounts", ["connection_id", "updated_at"])
    op.drop_index("ix_crm_accounts_updated_id", table_name="crm_accounts")
