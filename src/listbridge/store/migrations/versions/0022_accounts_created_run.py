"""crm_accounts.created_run_id: the `crm load` that created an account

A load journaled one "created" entry per new account: a row of the journal and four
index keys, which cost more than the account row itself (a third of SQLite's share of a
100,000-row load). Now a load writes one entry of its own (record "", field "*") and
marks each account it creates with its run; store/journal.py reads the two together as
the account's "created" entry. Entries journaled before this revision stay as they are.
No foreign key: runs are never deleted, and a check per new account is what this saves.

The downgrade writes each such account's "created" entry back, as a load did before, and
drops the loads' own entries.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# A load's own entry (store/journal.py LOAD_RECORD): no account id is empty.
_LOAD_ENTRY = "j.side = 'crm' AND j.record_id = '' AND j.field = '*'"


def upgrade() -> None:
    with op.batch_alter_table("crm_accounts") as batch:
        batch.add_column(sa.Column("created_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute(
        "INSERT INTO journal"
        " (connection_id, run_id, at, side, record_id, field, old_value, new_value, reason)"
        " SELECT a.connection_id, j.run_id, j.at, 'crm', a.id, '*', NULL, 'created', j.reason"
        " FROM crm_accounts a JOIN journal j"
        f" ON j.connection_id = a.connection_id AND j.run_id = a.created_run_id AND {_LOAD_ENTRY}"
        " ORDER BY j.id, a.created_at, a.id"
    )
    op.execute(f"DELETE FROM journal WHERE id IN (SELECT j.id FROM journal j WHERE {_LOAD_ENTRY})")
    with op.batch_alter_table("crm_accounts") as batch:
        batch.drop_column("created_run_id")
