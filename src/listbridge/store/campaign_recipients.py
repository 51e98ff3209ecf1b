"""One campaign's recipients a page at a time, for the web admin's campaign page.

`campaign_detail` (campaign_reads.py) reads and sums up every tracking row of a
campaign, which the CSV and Excel files need; a screen of 50 recipients out of 50,000
must not. `recipient_keys` lists who the recipients are, in the files' order (two ids
a row, no summing: the web keeps the list while the campaign does not change), and
`recipients` reads the rows of one page's recipients alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listbridge.core.campaign_rows import RecipientRow
from listbridge.core.campaign_stats import Event, recipient_result
from listbridge.store.models import CampaignEvent, CcCampaign, Run

_e = CampaignEvent


#: a recipient: ("account", account id), or ("contact", contact id) for one linked to none
Key = tuple[str, str]


def recipient_keys(session: Session, connection_id: int, campaign_id: str) -> list[Key]:
    """Every recipient of the campaign in the files' order: the accounts by id, then the
    contacts linked to none by contact id. Sorted here, not by the database, whose
    collations differ (as campaign_reads does)."""
    query = select(_e.account_id, _e.cc_contact_id).where(
        _e.connection_id == connection_id, _e.campaign_id == campaign_id
    )
    accounts: set[str] = set()
    contacts: set[str] = set()
    for account_id, contact_id in session.execute(query.execution_options(yield_per=5000)):
        if account_id is None:
            contacts.add(contact_id)
        else:
            accounts.add(account_id)
    return [("account", a) for a in sorted(accounts)] + [("contact", c) for c in sorted(contacts)]


def recipients(
    session: Session, connection_id: int, campaign_id: str, keys: list[Key]
) -> list[RecipientRow]:
    """What each of `keys` did with the campaign, in their order: their rows alone.

    Asked by account (or contact) id, the campaign picked out here: with the campaign in
    the query, SQLite walks the campaign's index — every row of the campaign — instead of
    the account index, where a recipient has a few rows per campaign."""
    account_ids = [i for kind, i in keys if kind == "account"]
    contact_ids = [i for kind, i in keys if kind == "contact"]
    found: dict[Key, list[Any]] = defaultdict(list)
    columns = (_e.campaign_id, _e.account_id, _e.cc_contact_id, _e.email, _e.kind, _e.at, _e.detail)
    mine = _e.connection_id == connection_id
    if account_ids:
        query = select(*columns).where(mine, _e.account_id.in_(account_ids))
        for row in session.execute(query):
            if row.campaign_id == campaign_id:
                found["account", row.account_id].append(row)
    if contact_ids:
        where = (mine, _e.cc_contact_id.in_(contact_ids), _e.account_id.is_(None))
        for row in session.execute(select(*columns).where(*where)):
            if row.campaign_id == campaign_id:
                found["contact", row.cc_contact_id].append(row)
    # a recipient whose rows went meanwhile (a disconnect) is left out
    return [_recipient(key, found[key]) for key in keys if found.get(key)]


def _recipient(key: tuple[str, str], rows: list[Any]) -> RecipientRow:
    # as campaign_reads does: the newest row's contact and address are the recipient's now
    newest = max(rows, key=lambda row: row.at)
    with_email = [row for row in rows if row.email]
    email = max(with_email, key=lambda row: row.at).email if with_email else ""
    result = recipient_result(Event(row.kind, row.at, row.detail) for row in rows)
    account_id = key[1] if key[0] == "account" else None
    return RecipientRow(account_id, newest.cc_contact_id, email, result)


def recipients_version(session: Session, connection_id: int, campaign_id: str) -> tuple[str, int]:
    """What a kept `recipient_keys` list is good for: the campaign's last pull, and the
    connection's latest run (a pull attaches rows to accounts linked since, also for a
    campaign it no longer counts; a disconnect forgets them)."""
    pulled = session.scalar(
        select(CcCampaign.pulled_at).where(
            CcCampaign.connection_id == connection_id, CcCampaign.campaign_id == campaign_id
        )
    )
    run = session.scalar(select(func.max(Run.id)).where(Run.connection_id == connection_id))
    return str(pulled or ""), int(run or 0)
