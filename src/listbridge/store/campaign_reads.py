"""Campaign results as the reports read them: the campaign list, the dashboard widget's
recent campaigns, one campaign's recipients, and one account's campaign history.

Every read sees only the campaigns a pull included (sent to one of the connection's
lists); the others are kept only so that a pull does not ask about them again. A
campaign's tracking rows are read in one query ordered by recipient and summed up one
recipient at a time (core `recipient_result`), so a campaign of 100,000 recipients
never holds its rows all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Row, distinct, func, select
from sqlalchemy.orm import Session

from listbridge.core.campaign_rows import (
    RECENT_COLUMNS,
    CampaignDetail,
    CampaignRow,
    RecipientRow,
    Value,
    check_columns,
    sorted_rows,
)
from listbridge.core.campaign_stats import Counters, Event, RecipientResult, recipient_result
from listbridge.store.models import CampaignEvent, CcCampaign

__all__ = [
    "CampaignDetail",
    "CampaignRow",
    "HistoryRow",
    "RecipientRow",
    "account_history",
    "campaign_detail",
    "campaign_rows",
    "recent_campaigns",
]

_COUNTERS = tuple(f.name for f in fields(Counters))
#: rows streamed from the database at a time
_BATCH = 2000


@dataclass(frozen=True)
class HistoryRow:
    """One campaign an account received or engaged with, and what it did with it."""

    campaign_id: str
    name: str
    sent_at: datetime | None
    result: RecipientResult


def _included(connection_id: int) -> Any:
    return select(CcCampaign).where(
        CcCampaign.connection_id == connection_id, CcCampaign.included.is_(True)
    )


def _newest_first(query: Any) -> Any:
    # NULLs order differently on SQLite and PostgreSQL: put campaigns without a date last
    return query.order_by(
        CcCampaign.sent_at.is_(None), CcCampaign.sent_at.desc(), CcCampaign.campaign_id
    )


def campaign_rows(
    session: Session, connection_id: int, limit: int | None = None
) -> list[CampaignRow]:
    """The included campaigns, newest sent first."""
    campaigns = session.scalars(_newest_first(_included(connection_id)).limit(limit)).all()
    unlinked = _unlinked_counts(session, connection_id, [c.campaign_id for c in campaigns])
    return [campaign_row(c, unlinked.get(c.campaign_id, 0)) for c in campaigns]


def _unlinked_counts(session: Session, connection_id: int, ids: list[str]) -> dict[str, int]:
    """Per campaign, the distinct contacts whose rows are attached to no account."""
    if not ids:
        return {}
    query = (
        select(
            CampaignEvent.campaign_id,
            func.count(distinct(CampaignEvent.cc_contact_id)).label("contacts"),
        )
        .where(
            CampaignEvent.connection_id == connection_id,
            CampaignEvent.campaign_id.in_(ids),
            CampaignEvent.account_id.is_(None),
        )
        .group_by(CampaignEvent.campaign_id)
    )
    return {row.campaign_id: row.contacts for row in session.execute(query)}


def campaign_row(campaign: CcCampaign, unlinked: int = 0) -> CampaignRow:
    """A stored campaign's row of the table, its counters as the last pull left them."""
    counters = Counters(**{name: getattr(campaign, name) for name in _COUNTERS})
    return CampaignRow(
        campaign.campaign_id,
        campaign.name,
        campaign.sent_at,
        counters,
        campaign.frozen,
        campaign.pulled_at,
        unlinked,
    )


def recent_campaigns(
    session: Session,
    connection_id: int,
    limit: int,
    columns: Iterable[str],
    sort: str,
    descending: bool = True,
) -> list[dict[str, Value]]:
    """The last `limit` campaigns by sent date, sorted by `sort`, each as the chosen
    columns (core RECENT_COLUMNS); a ValueError names an unknown column."""
    chosen = tuple(columns)
    check_columns(chosen, sort)
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    rows = sorted_rows(campaign_rows(session, connection_id, limit), sort, descending)
    return [{name: RECENT_COLUMNS[name](row) for name in chosen} for row in rows]


def campaign_detail(
    session: Session, connection_id: int, campaign_id: str
) -> CampaignDetail | None:
    """One included campaign and what each recipient did; None when there is none."""
    query = _included(connection_id).where(CcCampaign.campaign_id == campaign_id)
    campaign = session.scalars(query).one_or_none()
    if campaign is None:
        return None
    row = campaign_row(campaign, 0)
    accounts: list[RecipientRow] = []
    unlinked: list[RecipientRow] = []
    for recipient in _recipients(session, connection_id, campaign_id):
        (accounts if recipient.account_id is not None else unlinked).append(recipient)
    # sorted here, not by the database: PostgreSQL's collation and SQLite's differ
    accounts.sort(key=lambda r: r.account_id or "")
    unlinked.sort(key=lambda r: r.cc_contact_id)
    return CampaignDetail(replace(row, unlinked=len(unlinked)), accounts, unlinked)


def _recipients(session: Session, connection_id: int, campaign_id: str) -> Iterator[RecipientRow]:
    """The campaign's rows streamed in recipient order, one RecipientRow per recipient:
    an account (whichever contacts its rows came from), or a contact with no account."""
    e = CampaignEvent
    query = (
        select(e.account_id, e.cc_contact_id, e.email, e.kind, e.at, e.detail)
        .where(e.connection_id == connection_id, e.campaign_id == campaign_id)
        .order_by(e.account_id.is_(None), e.account_id, e.cc_contact_id, e.at)
        .execution_options(yield_per=_BATCH)
    )
    rows: Iterable[Row[Any]] = session.execute(query)
    for key, group in groupby(rows, key=_recipient_key):
        yield _recipient(key, list(group))


def _recipient_key(row: Row[Any]) -> tuple[str, str]:
    return (
        ("account", row.account_id)
        if row.account_id is not None
        else ("contact", row.cc_contact_id)
    )


def _recipient(key: tuple[str, str], rows: list[Row[Any]]) -> RecipientRow:
    # the newest row's contact and address: what the recipient is now, should an account
    # have had its contact replaced (or its address changed) between two pulls
    newest = max(rows, key=lambda row: row.at)
    with_email = [row for row in rows if row.email]
    email = max(with_email, key=lambda row: row.at).email if with_email else ""
    account_id = key[1] if key[0] == "account" else None
    result = recipient_result(Event(row.kind, row.at, row.detail) for row in rows)
    return RecipientRow(account_id, newest.cc_contact_id, email, result)


def account_history(session: Session, connection_id: int, account_id: str) -> list[HistoryRow]:
    """Every included campaign with a tracking row of the account, newest sent first."""
    e, c = CampaignEvent, CcCampaign
    query = (
        select(e.campaign_id, c.name, c.sent_at, e.kind, e.at, e.detail)
        .join(c, (c.connection_id == e.connection_id) & (c.campaign_id == e.campaign_id))
        .where(e.connection_id == connection_id, e.account_id == account_id, c.included.is_(True))
        .order_by(c.sent_at.is_(None), c.sent_at.desc(), e.campaign_id, e.at)
    )
    history = []
    for campaign_id, group in groupby(session.execute(query), key=lambda row: row.campaign_id):
        rows = list(group)
        result = recipient_result(Event(row.kind, row.at, row.detail) for row in rows)
        history.append(HistoryRow(campaign_id, rows[0].name, rows[0].sent_at, result))
    return history
