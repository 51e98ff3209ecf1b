"""What a stats pull writes: campaigns, their counters, their tracking rows, and the
accounts the rows belong to. Reads for reports are in campaign_reads.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from listbridge.core.campaign_stats import HARD_BOUNCE_CODES, Counters
from listbridge.core.cc_records import TrackingEvent
from listbridge.core.list_selection import ListSelection
from listbridge.store.models import CampaignEvent, CcCampaign, CcLink, CcListMirror

COUNTER_COLUMNS = tuple(Counters.__dataclass_fields__)


@dataclass(frozen=True)
class StoredCampaign:
    campaign_id: str
    activity_id: str
    name: str
    sent_at: datetime | None
    list_ids: tuple[str, ...]
    frozen: bool
    counters: Counters | None  # None: never counted
    watermarks: dict[str, str]


def stored_campaigns(session: Session, connection_id: int) -> dict[str, StoredCampaign]:
    rows = session.scalars(select(CcCampaign).where(CcCampaign.connection_id == connection_id))
    return {row.campaign_id: _stored(row) for row in rows}


def _stored(row: CcCampaign) -> StoredCampaign:
    counters = None
    if row.stats_at is not None:
        counters = Counters(**{c: getattr(row, c) for c in COUNTER_COLUMNS})
    return StoredCampaign(
        row.campaign_id,
        row.activity_id,
        row.name,
        row.sent_at,
        tuple(row.list_ids or ()),
        row.frozen,
        counters,
        dict(row.watermarks or {}),
    )


def synced_list_ids(session: Session, connection_id: int, selection: ListSelection) -> set[str]:
    """The connection's lists: those `import.lists` selects and those paired with a CRM list."""
    query = select(CcListMirror).where(
        CcListMirror.connection_id == connection_id, CcListMirror.deleted.is_(False)
    )
    chosen = set(selection.names)
    return {
        row.cc_list_id
        for row in session.scalars(query)
        if selection.every or row.name in chosen or row.crm_list_key or row.rule_kind
    }


def save_campaign(
    session: Session,
    connection_id: int,
    found: StoredCampaign,
    *,
    included: bool,
) -> None:
    """A campaign as discovered: its primary activity, its name, sent date and lists."""
    row = session.get(CcCampaign, (connection_id, found.campaign_id))
    if row is None:
        row = CcCampaign(connection_id=connection_id, campaign_id=found.campaign_id)
        row.watermarks = {}
        for column in COUNTER_COLUMNS:
            setattr(row, column, 0)
        session.add(row)
    row.activity_id, row.name, row.sent_at = found.activity_id, found.name, found.sent_at
    row.list_ids, row.included, row.frozen = list(found.list_ids), included, found.frozen
    session.flush()


def set_included(session: Session, connection_id: int, included: dict[str, bool]) -> None:
    for campaign_id, value in included.items():
        session.execute(
            update(CcCampaign)
            .where(CcCampaign.connection_id == connection_id, CcCampaign.campaign_id == campaign_id)
            .values(included=value)
        )


def freeze(session: Session, connection_id: int, campaign_ids: Iterable[str]) -> None:
    ids = list(campaign_ids)
    if ids:
        session.execute(
            update(CcCampaign)
            .where(CcCampaign.connection_id == connection_id, CcCampaign.campaign_id.in_(ids))
            .values(frozen=True)
        )


def save_counters(
    session: Session, connection_id: int, campaign_id: str, counters: Counters, at: datetime
) -> None:
    values: dict[str, Any] = {c: getattr(counters, c) for c in COUNTER_COLUMNS}
    session.execute(
        update(CcCampaign)
        .where(CcCampaign.connection_id == connection_id, CcCampaign.campaign_id == campaign_id)
        .values(**values, stats_at=at, pulled_at=at)
    )


def close_report(
    session: Session, connection_id: int, campaign_id: str, kind: str, newest: str
) -> None:
    """The report was read down to the last watermark: `newest` is the next one."""
    row = session.get(CcCampaign, (connection_id, campaign_id))
    assert row is not None, campaign_id
    row.watermarks = {**(row.watermarks or {}), kind: newest}


def link_map(
    session: Session, connection_id: int, contact_ids: Iterable[str] | None = None
) -> dict[str, str]:
    """cc_contact_id → account_id, for these contacts' links (one page of a report:
    ≤ 500), or for every link of the connection when None."""
    query = select(CcLink.cc_contact_id, CcLink.account_id).where(
        CcLink.connection_id == connection_id
    )
    if contact_ids is not None:
        query = query.where(CcLink.cc_contact_id.in_(sorted(set(contact_ids))))
    return {str(contact): str(account) for contact, account in session.execute(query)}


def insert_events(
    session: Session,
    connection_id: int,
    campaign_id: str,
    events: Sequence[TrackingEvent],
    account_of: dict[str, str],
) -> int:
    """Store the rows not stored yet (a row read again is kept once); how many were new."""
    if not events:
        return 0
    table = cast(Table, CampaignEvent.__table__)
    before = _count(session, connection_id, campaign_id, events[0].kind)
    values = [
        {
            "connection_id": connection_id,
            "campaign_id": campaign_id,
            "kind": e.kind,
            "cc_contact_id": e.contact_id,
            "email": e.email[:255],
            "at": e.at,
            "detail": e.detail,
            "detail_key": e.detail_key[:64],
            "device": e.device[:20],
            "account_id": account_of.get(e.contact_id),
        }
        for e in events
    ]
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    session.execute(insert(table).on_conflict_do_nothing(), values)
    return _count(session, connection_id, campaign_id, events[0].kind) - before


def _count(session: Session, connection_id: int, campaign_id: str, kind: str) -> int:
    query = select(func.count()).where(
        CampaignEvent.connection_id == connection_id,
        CampaignEvent.campaign_id == campaign_id,
        CampaignEvent.kind == kind,
    )
    return int(session.scalar(query) or 0)


def attach_unlinked(session: Session, connection_id: int) -> int:
    """Rows of contacts linked since they were pulled get the account: how many."""
    account = (
        select(CcLink.account_id)
        .where(
            CcLink.connection_id == connection_id,
            CcLink.cc_contact_id == CampaignEvent.cc_contact_id,
        )
        .scalar_subquery()
    )
    done = session.execute(
        update(CampaignEvent)
        .where(
            CampaignEvent.connection_id == connection_id,
            CampaignEvent.account_id.is_(None),
            account.is_not(None),
        )
        .values(account_id=account)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def count_unlinked(session: Session, connection_id: int) -> int:
    """How many contacts have rows but no account (read through the account index: the
    unattached rows are few, every row of a large audience is many)."""
    query = select(func.count(CampaignEvent.cc_contact_id.distinct())).where(
        CampaignEvent.connection_id == connection_id, CampaignEvent.account_id.is_(None)
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class HardBounce:
    event_id: int
    account_id: str
    campaign_id: str
    email: str
    at: datetime
    code: str


def hard_bounces_to_flag(session: Session, connection_id: int) -> list[HardBounce]:
    """Hard bounces of linked contacts whose account's flag is not set yet."""
    campaigns = select(CcCampaign.campaign_id).where(CcCampaign.connection_id == connection_id)
    query = (
        select(CampaignEvent)
        .where(
            CampaignEvent.connection_id == connection_id,
            # by campaign and kind: the row key's index reads the bounces alone
            CampaignEvent.campaign_id.in_(list(session.scalars(campaigns))),
            CampaignEvent.kind == "bounces",
            CampaignEvent.account_id.is_not(None),
            CampaignEvent.flagged_at.is_(None),
            or_(*(CampaignEvent.detail_key == code for code in sorted(HARD_BOUNCE_CODES))),
        )
        .order_by(CampaignEvent.at, CampaignEvent.id)
    )
    return [
        HardBounce(e.id, str(e.account_id), e.campaign_id, e.email, e.at, e.detail_key)
        for e in session.scalars(query)
    ]


def mark_flagged(session: Session, event_ids: Sequence[int], at: datetime) -> None:
    if event_ids:
        session.execute(
            update(CampaignEvent)
            .where(and_(CampaignEvent.id.in_(list(event_ids))))
            .values(flagged_at=at)
            .execution_options(synchronize_session=False)
        )
