"""a run's journal in the order the run wrote it, and the few deleted CRM accounts, by index

/audit pages a run's changes in the order the run journaled them: with the id in the
run's index, PostgreSQL reads a page of a big run straight from it (SQLite's index holds
the row id already). `crm check`, a list's live members and /lists find the few deleted
builtin-CRM accounts through their own index instead of visiting every account's row.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_journal_run", table_name="journal")
    op.create_index("ix_journal_run", "journal", ["run_id", "id"])
    op.create_index("ix_crm_accounts_deleted", "crm_accounts", ["connection_id", "deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_crm_accounts_deleted", table_name="crm_accounts")
    op.drop_index("ix_journal_run", table_name="journal")
    op.create_index("ix_journal_run", "journal", ["run_id"])
