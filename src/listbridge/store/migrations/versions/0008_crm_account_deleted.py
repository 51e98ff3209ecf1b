"""crm_accounts.deleted_at: `crm delete` marks an account deleted instead of removing it,
so its journal, link and opt-out stay and `crm load` of its id restores it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_accounts") as batch:
        batch.add_column(sa.Column("deleted_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_accounts") as batch:
        batch.drop_column("deleted_at")
