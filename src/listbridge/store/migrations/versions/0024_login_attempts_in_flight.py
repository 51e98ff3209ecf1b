"""web_login_failures.in_flight: a sign-in whose password is still being checked

An attempt was written as a failure before its password was checked (so that guesses
sent at once are all counted), and so counted against its address as well as its name:
fifty people signing in at once behind one office router were 28 refused for 15 minutes
with the right password. An attempt in flight is now marked so: it counts against its
name only, for two minutes at most (a request that died leaves its mark), and turns into
a failure if the password was wrong. Existing rows are failures.

The downgrade drops the mark: an attempt in flight is a failure again, as it was.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_login_failures") as batch:
        batch.add_column(
            sa.Column("in_flight", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("web_login_failures") as batch:
        batch.drop_column("in_flight")
