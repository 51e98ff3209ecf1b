"""journal.record_id, journal.field and run_errors.field wide enough for every name

A list's journal entries are keyed `list:<name>` (record_id for its name, field for its
members) and a custom field's `custom.<name>`; Constant Contact allows list names of 255
characters and a CRM field name may have 200, so `list:` + 255 overflowed record_id
(100) and field (200) on PostgreSQL, which enforces the lengths: `lists create` with a
long name failed after Constant Contact had made the list. 300 holds every prefix and
name. SQLite does not enforce lengths; its tables are rebuilt to say the same.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# (table, column, before, after)
_WIDENED = (
    ("journal", "record_id", 100, 300),
    ("journal", "field", 200, 300),
    ("run_errors", "field", 200, 300),
)


def upgrade() -> None:
    for table, column, before, after in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(before),
                type_=sa.String(after),
                existing_nullable=False,
            )


def downgrade() -> None:
    # Values longer than the old width are cut to it (PostgreSQL would refuse them).
    for table, column, before, after in _WIDENED:
        op.execute(
            f"UPDATE {table} SET {column} = substr({column}, 1, {before}) WHERE length({column}) > {before}"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(after),
                type_=sa.String(before),
                existing_nullable=False,
            )
