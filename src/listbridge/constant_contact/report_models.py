"""Pydantic models of campaigns, campaign activities, stats and tracking rows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from listbridge.constant_contact.models import Model
from listbridge.core.cc_records import ActivityStats, TrackingEvent


class CampaignActivityRef(Model):
    campaign_activity_id: str
    role: str


class Campaign(Model):
    campaign_id: str
    name: str
    type: str | None = None
    current_status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    campaign_activities: list[CampaignActivityRef] = Field(default_factory=list)

    def activity_id(self, role: str = "primary_email") -> str | None:
        return next(
            (a.campaign_activity_id for a in self.campaign_activities if a.role == role), None
        )


class CampaignActivity(Model):
    campaign_activity_id: str
    campaign_id: str | None = None
    role: str | None = None
    subject: str | None = None
    from_name: str | None = None
    from_email: str | None = None
    current_status: str | None = None
    contact_list_ids: list[str] = Field(default_factory=list)


class StatsResult(Model):
    campaign_id: str
    campaign_activity_id: str
    stats: dict[str, int] = Field(default_factory=dict)
    last_refresh_time: datetime | None = None

    def to_core(self) -> ActivityStats:
        s = self.stats
        return ActivityStats(
            self.campaign_id,
            self.campaign_activity_id,
            sends=s.get("em_sends", 0),
            opens=s.get("em_opens", 0),
            clicks=s.get("em_clicks", 0),
            forwards=s.get("em_forwards", 0),
            optouts=s.get("em_optouts", 0),
            bounces=s.get("em_bounces", 0),
            abuse=s.get("em_abuse", 0),
            not_opened=s.get("em_not_opened", 0),
            opens_all=s.get("em_opens_all", 0),
            clicks_all=s.get("em_clicks_all", 0),
        )


class StatsError(Model):
    error_key: str | None = None
    error_message: str | None = None


class ActivityStatsPage(Model):
    results: list[StatsResult] = Field(default_factory=list)
    errors: list[StatsError] = Field(default_factory=list)


class UniqueCounts(Model):
    sends: int = 0
    opens: int = 0
    clicks: int = 0
    forwards: int = 0
    optouts: int = 0
    abuse: int = 0
    bounces: int = 0
    not_opened: int = 0


class CampaignSummary(Model):
    campaign_id: str
    campaign_type: str | None = None
    last_sent_date: datetime | None = None
    unique_counts: UniqueCounts = UniqueCounts()


# The per-kind detail worth keeping on a timeline row.
_DETAIL_FIELDS = ("link_url", "bounce_code", "opt_out_reason")
#: tracking_activity_type → the report's kind
_KINDS = {
    "em_sends": "sends",
    "em_opens": "opens",
    "em_clicks": "clicks",
    "em_forwards": "forwards",
    "em_optouts": "optouts",
    "em_bounces": "bounces",
    "em_didnotopens": "didnotopens",
}


class TrackingRow(Model):
    """One row of a tracking report; `detail_key` tells apart two rows of one contact and
    instant (two links clicked in the same second)."""

    contact_id: str
    campaign_activity_id: str
    tracking_activity_type: str
    email_address: str
    created_time: datetime
    first_name: str | None = None
    last_name: str | None = None
    device_type: str | None = None
    link_url: str | None = None
    url_id: str | None = None
    opt_out_reason: str | None = None
    bounce_code: str | None = None
    current_email_address: str | None = None
    deleted_at: date | None = None

    def to_core(self) -> TrackingEvent:
        detail = next((str(getattr(self, f)) for f in _DETAIL_FIELDS if getattr(self, f)), "")
        kind = self.tracking_activity_type
        return TrackingEvent(
            _KINDS.get(kind, kind),
            self.contact_id,
            self.campaign_activity_id,
            self.email_address,
            self.created_time,
            detail,
            self.url_id or self.bounce_code or "",
            self.device_type or "",
        )
