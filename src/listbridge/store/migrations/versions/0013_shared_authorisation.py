"""cc_accounts.tokens_of: a connection that uses another's Constant Contact authorisation

`connect --reuse OTHER` makes no OAuth round trip: the new connection's row keeps its own
identity and health, and names the row that holds the app, the client secret and the
tokens. One stored authorisation, so a refresh (which rotates the refresh token) made by
either connection is the one both use. NULL: the row holds its own authorisation.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cc_accounts") as batch:
        batch.add_column(sa.Column("tokens_of", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cc_accounts") as batch:
        batch.drop_column("tokens_of")
