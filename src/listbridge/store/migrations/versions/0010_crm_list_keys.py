"""cc_lists.crm_list_key: a CC list is paired with a CRM list by the CRM's own key of it

The pairing was a foreign key to the builtin CRM's crm_lists; a CRM held elsewhere
(CiviCRM's groups, Vtiger's campaigns) has lists of its own, so the pairing now holds
the key the CRM gives the list (for the builtin CRM: its crm_lists id, as text).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cc_lists") as batch:
        batch.add_column(sa.Column("crm_list_key", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE cc_lists SET crm_list_key = CAST(crm_list_id AS VARCHAR(64)) "
        "WHERE crm_list_id IS NOT NULL"
    )
    # SQLite cannot drop a foreign key in place: batch mode copies cc_lists.
    with op.batch_alter_table("cc_lists") as batch:
        batch.drop_constraint("fk_cc_lists_crm_list_id", type_="foreignkey")
        batch.drop_column("crm_list_id")


def downgrade() -> None:
    with op.batch_alter_table("cc_lists") as batch:
        batch.add_column(sa.Column("crm_list_id", sa.Integer(), nullable=True))
    # Only the builtin CRM's keys point at crm_lists; any other pairing is dropped.
    op.execute(
        "UPDATE cc_lists SET crm_list_id = (SELECT id FROM crm_lists "
        "WHERE CAST(crm_lists.id AS VARCHAR(64)) = cc_lists.crm_list_key "
        "AND crm_lists.connection_id = cc_lists.connection_id)"
    )
    with op.batch_alter_table("cc_lists") as batch:
        batch.create_foreign_key(
            "fk_cc_lists_crm_list_id", "crm_lists", ["crm_list_id"], ["id"], ondelete="SET NULL"
        )
        batch.drop_column("crm_list_key")
