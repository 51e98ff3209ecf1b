"""Campaigns, campaign activities, stats and per-contact tracking rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.paging import pages
from listbridge.constant_contact.report_models import (
    ActivityStatsPage,
    Campaign,
    CampaignActivity,
    CampaignSummary,
    TrackingRow,
)
from listbridge.core.batching import STATS_ACTIVITY_IDS, chunked

TRACKING_KINDS = (
    "sends",
    "opens",
    "unique_opens",
    "didnotopens",
    "clicks",
    "forwards",
    "optouts",
    "bounces",
)
Iterate = Callable[..., Iterator[Any]]


class Reports:
    def __init__(self, session: ApiSession, iterate: Iterate) -> None:
        self.session, self._iterate = session, iterate

    def iter_campaigns(self, **params: Any) -> Iterator[Campaign]:
        params.setdefault("limit", 500)
        result: Iterator[Campaign] = self._iterate("/emails", "campaigns", Campaign, **params)
        return result

    def campaign(self, campaign_id: str) -> Campaign:
        return Campaign.model_validate(self.session.json("GET", f"/emails/{campaign_id}"))

    def campaign_activity(self, activity_id: str) -> CampaignActivity:
        body = self.session.json("GET", f"/emails/activities/{activity_id}")
        return CampaignActivity.model_validate(body)

    def activity_stats(self, activity_ids: Sequence[str]) -> ActivityStatsPage:
        """Stats of any number of activities, asked ≤10 at a time (facts §10.2)."""
        merged = ActivityStatsPage()
        for part in chunked(len(activity_ids), STATS_ACTIVITY_IDS):
            ids = ",".join(activity_ids[i] for i in part)
            path = f"/reports/stats/email_campaign_activities/{ids}"
            page = ActivityStatsPage.model_validate(self.session.json("GET", path))
            merged.results.extend(page.results)
            merged.errors.extend(page.errors)
        return merged

    def iter_summaries(self) -> Iterator[CampaignSummary]:
        path = "/reports/summary_reports/email_campaign_summaries"
        result: Iterator[CampaignSummary] = self._iterate(
            path, "bulk_email_campaign_summaries", CampaignSummary, limit="500"
        )
        return result

    def iter_tracking(self, activity_id: str, kind: str, **params: Any) -> Iterator[TrackingRow]:
        if kind not in TRACKING_KINDS:
            raise ValueError(f"unknown tracking kind {kind!r}")
        params.setdefault("limit", "500")
        path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
        result: Iterator[TrackingRow] = self._iterate(
            path, "tracking_activities", TrackingRow, **params
        )
        return result

    def tracking_pages(self, activity_id: str, kind: str) -> Iterator[list[TrackingRow]]:
        """A tracking report a page at a time (500 rows, newest first): a reader that
        stops early asks for no further page."""
        if kind not in TRACKING_KINDS:
            raise ValueError(f"unknown tracking kind {kind!r}")
        path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
        for body in pages(self._fetch, path, {"limit": "500"}):
            rows = body.get("tracking_activities") or []
            yield [TrackingRow.model_validate(row) for row in rows]

    def _fetch(self, path: str, params: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = self.session.json("GET", path, params=params)
        return body
