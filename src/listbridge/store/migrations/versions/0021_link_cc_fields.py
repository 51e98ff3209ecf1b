"""cc_links.cc_fields: what Constant Contact holds of a linked contact, as a push left it

An incremental push journals the old values of the fields it sends (for `runs undo`) and
decides which addresses it must look up in Constant Contact. Both read every contact
page when the store does not know what CC holds. With the contact's address and its
journaled fields (first_name, last_name, job_title, company_name) kept per link, a push
reads only the contacts changed since the last one (`GET /contacts?updated_after=`).
NULL: not known (a link made by an import, or a contact deleted in CC).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cc_links") as batch:
        batch.add_column(sa.Column("cc_fields", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cc_links") as batch:
        batch.drop_column("cc_fields")
