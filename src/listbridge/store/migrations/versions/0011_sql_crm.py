"""crm_choices.mapping_encrypted, crm_fingerprints: a CRM described by a mapping file

`crm use sql --mapping FILE` keeps the mapping (it may hold the database's URL, with
its password) encrypted with the URL. A mapped CRM without an updated-at column has its
changes found by comparing each row with a fingerprint listbridge keeps of it, and the
moment that fingerprint last changed stands in for the row's change time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listbridge.store.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_choices") as batch:
        batch.add_column(sa.Column("mapping_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("mapping_encrypted", sa.Text(), nullable=True))
    op.create_table(
        "crm_fingerprints",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "account_id"),
    )


def downgrade() -> None:
    op.drop_table("crm_fingerprints")
    with op.batch_alter_table("crm_choices") as batch:
        batch.drop_column("mapping_encrypted")
        batch.drop_column("mapping_name")
