"""The campaigns table of the web admin a page at a time, sorted by the database.

`stats show` reads every campaign (store/campaign_reads.py); a screen shows 25, so the
sort and the slice are SQL here, on the counters each campaign row stores, and no
tracking row is read. The rates are computed in SQL as core `Counters` computes them
(opens per delivered e-mail, clicks per opener; 0 when there is nothing to divide by).
Ties, and campaigns without a sent date, keep the reports' order: newest sent first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from listbridge.core.campaign_rows import CampaignRow
from listbridge.store.campaign_reads import campaign_row
from listbridge.store.models import CcCampaign
from listbridge.store.run_history import Page


def _ratio(part: Any, whole: Any) -> Any:
    return case((whole > 0, cast(part, Float) / whole), else_=0.0)


_c = CcCampaign
#: what the campaigns table sorts by: its columns
SORT_KEYS: dict[str, Any] = {
    "name": func.lower(_c.name),
    "sent": _c.sent_at,
    "sends": _c.sends,
    "open_rate": _ratio(_c.opens, _c.sends - _c.bounces),
    "click_rate": _ratio(_c.clicks, _c.opens),
    "bounces": _c.bounces,
    "optouts": _c.optouts,
}


@dataclass(frozen=True)
class CampaignPage:
    #: `unlinked` is not counted here (0): the campaign's own page lists them
    rows: list[CampaignRow]
    total: int


def campaigns_page(
    session: Session, connection_id: int, sort: str, descending: bool, page: Page
) -> CampaignPage:
    """One page of the included campaigns by `sort` (a key of SORT_KEYS; KeyError else)."""
    key = SORT_KEYS[sort]
    included = (_c.connection_id == connection_id, _c.included.is_(True))
    query = (
        select(_c)
        .where(*included)
        # a missing value (no sent date) comes last either way, as in core sorted_rows
        .order_by(key.is_(None), key.desc() if descending else key.asc())
        .order_by(_c.sent_at.is_(None), _c.sent_at.desc(), _c.campaign_id)
        .offset(page.offset)
        .limit(page.size)
    )
    total = session.scalar(select(func.count()).select_from(_c).where(*included))
    return CampaignPage([campaign_row(c) for c in session.scalars(query)], int(total or 0))


def included_campaign(session: Session, connection_id: int, campaign_id: str) -> CampaignRow | None:
    """One campaign of the table (None: unknown, or sent to no list of the connection)."""
    query = select(_c).where(
        _c.connection_id == connection_id, _c.included.is_(True), _c.campaign_id == campaign_id
    )
    found = session.scalars(query).one_or_none()
    return campaign_row(found) if found is not None else None
