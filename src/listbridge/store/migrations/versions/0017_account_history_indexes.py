"""one account's history from indexes: its journal in time order, its refusals by id

`crm show ID` and the web admin's account page read one record's journal oldest first.
0016's index on (connection, at) for /audit made SQLite read a whole connection's journal
in time order for it (it prefers an index that gives the order to one that narrows the
rows, having no statistics): seconds with 1,000,000 changes. The record's index now holds
the time as well, so it narrows the rows and gives their order. An account's error rows
(why a push did not push it) are found by its id, not by reading every push run's rows.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_journal_record", table_name="journal")
    op.create_index("ix_journal_record", "journal", ["connection_id", "side", "record_id", "at"])
    op.create_index("ix_run_errors_account", "run_errors", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_run_errors_account", table_name="run_errors")
    op.drop_index("ix_journal_record", table_name="journal")
    op.create_index("ix_journal_record", "journal", ["connection_id", "side", "record_id"])
