"""cc_links.crm_opt_out: the account's e-mail opt-out as the last reconciliation left it

A CRM held elsewhere (CiviCRM, Vtiger, a mapped database) is edited by its own screens,
which write nothing to listbridge's journal; the unsubscribe reconciliation tells that
someone changed an account's opt-out there by comparing it with the value it last saw.
NULL: no reconciliation has seen the pair yet.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cc_links") as batch:
        batch.add_column(sa.Column("crm_opt_out", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cc_links") as batch:
        batch.drop_column("crm_opt_out")
