"""Campaign results (issue 16): the campaigns a connection's lists were sent, their
counters, and every per-contact tracking row, attached to the account it belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class CcCampaign(Base):
    """A sent campaign as the last stats pull saw it.

    `included` False: sent to no list of this connection (kept so that the next pull
    does not ask Constant Contact about it again). `watermarks` is, per tracking kind,
    the newest row the pull has read down to completely: a pull killed half-way through
    a kind leaves it where it was, and the rows it did store are not stored twice
    (`CampaignEvent`'s unique key). `frozen`: sent before `stats.window_days`, not pulled
    again.
    """

    __tablename__ = "cc_campaigns"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    list_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    included: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    frozen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sends: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opens_all: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    clicks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    clicks_all: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    forwards: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    optouts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    bounces: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    abuse: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    not_opened: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    stats_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    watermarks: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_cc_campaigns_sent", "connection_id", "sent_at"),)


class CampaignEvent(Base):
    """One per-contact tracking row: a send, open, click, forward, opt-out or bounce.

    `account_id` is the account the contact was linked to when the row was pulled (or
    linked to later: each pull attaches rows still unattached); None: no account, listed
    apart in the reports. `detail` is the clicked link, the bounce code or the opt-out
    reason; `detail_key` what tells two rows of one contact and instant apart (the link's
    url_id, the bounce code). `flagged_at`: a hard bounce written to the CRM's flag.
    """

    __tablename__ = "cc_campaign_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = connection_fk()
    campaign_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    detail_key: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    device: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    account_id: Mapped[str | None] = mapped_column(String(100))
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint(
            "connection_id",
            "campaign_id",
            "kind",
            "cc_contact_id",
            "at",
            "detail_key",
            name="uq_cc_campaign_events_row",
        ),
        Index("ix_cc_campaign_events_account", "connection_id", "account_id"),
        Index("ix_cc_campaign_events_contact", "connection_id", "cc_contact_id"),
    )
