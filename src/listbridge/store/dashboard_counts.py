"""Counts the dashboard shows beside the links to their reports, asked of the database
in one query each so that the home page stays fast with 100,000 accounts.

`consent_mismatch_count` is the number of rows `unsubscribes report` lists
(sync/unsubscribes/report.py), for the builtin CRM, whose accounts live in this
database: the report reads every linked account through the CRM protocol (seconds at
that size), while the same test — the account's opt-out differs from the consent the
link last saw — is one join here. Another CRM is counted by the report alone.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from listbridge.core.cc_records import Permission
from listbridge.store.models import CcLink, CrmAccount, Run


def consent_mismatch_count(session: Session, connection_id: int) -> int:
    """Linked pairs whose consent differs (builtin CRM): the account opted out and the
    contact not unsubscribed, or the other way round. Deleted accounts count: their
    consent still does, as in the report."""
    link, account = CcLink, CrmAccount
    unsubscribed = func.coalesce(link.permission_to_send, "") == Permission.UNSUBSCRIBED.value
    query = (
        select(func.count())
        .select_from(link)
        .join(
            account,
            and_(account.connection_id == link.connection_id, account.id == link.account_id),
        )
        .where(link.connection_id == connection_id, account.email_opt_out != unsubscribed)
    )
    return int(session.scalar(query) or 0)


def checks_freshness(session: Session, connection_id: int) -> tuple[str, int]:
    """What the dashboard's checks depend on, read from two indexes: the latest account
    change (builtin CRM), and the latest run (a sync changes the links and the consent
    they saw). A cached count made for other values is out of date."""
    changed = session.scalar(
        select(func.max(CrmAccount.updated_at)).where(CrmAccount.connection_id == connection_id)
    )
    run = session.scalar(select(func.max(Run.id)).where(Run.connection_id == connection_id))
    return str(changed or ""), int(run or 0)
