"""`crm check` for the builtin CRM: its tables are listbridge's own, in its own database.

Its schema is made by listbridge's migrations, so checking it means checking that they
are all applied (opening the store applies them; a store opened without migrating, or
one a newer listbridge migrated, would not be); what it holds is counted for the report.
"""

from __future__ import annotations

from sqlalchemy import func, select

from listbridge.crm.check.report import CheckReport, Problem
from listbridge.store.crm_choice import CrmChoice
from listbridge.store.db import Store
from listbridge.store.migrate import current_revision, head_revision
from listbridge.store.models.crm import CrmAccount, CrmCustomField
from listbridge.store.models.lists import CrmList


def check_builtin(store: Store, connection_id: int, choice: CrmChoice) -> CheckReport:
    report = CheckReport(choice.describe())
    current, head = current_revision(store.engine), head_revision(store.engine)
    if current == head:
        report.found.append(
            f"listbridge's own database holds the builtin CRM: migrations applied (at {head})"
        )
    else:
        report.problems.append(
            Problem(
                "listbridge's migrations",
                "table alembic_version",
                f"the database is at revision {current}, not {head}: run any listbridge "
                "command with this version to migrate it, or use the listbridge that made it",
            )
        )
    report.found += _counts(store, connection_id)
    return report


def _counts(store: Store, connection_id: int) -> list[str]:
    accounts = select(func.count()).where(CrmAccount.connection_id == connection_id)
    deleted = accounts.where(CrmAccount.deleted_at.is_not(None))
    fields = select(func.count()).where(CrmCustomField.connection_id == connection_id)
    lists = select(func.count()).where(CrmList.connection_id == connection_id)
    with store.session() as session:
        count = [int(session.scalar(q) or 0) for q in (accounts, deleted, fields, lists)]
    return [
        f"table crm_accounts: {count[0]} accounts ({count[1]} marked deleted)",
        f"table crm_custom_fields: {count[2]} custom fields",
        f"table crm_lists: {count[3]} CRM lists",
    ]
