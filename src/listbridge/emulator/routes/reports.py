"""/v3/reports: campaign summaries, activity stats, tracking rows and contact reports.

The report ``limit`` parameters are strings in the spec (facts §12.2); they are parsed
here and refused with 400 when they are not whole numbers in range.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from listbridge.emulator.auth import state_of
from listbridge.emulator.campaign_stats import campaign_percents, campaign_stats
from listbridge.emulator.campaigns import CampaignStore, campaign_store
from listbridge.emulator.errors import bad_request, not_found
from listbridge.emulator.paging import int_cursor, next_links
from listbridge.emulator.reporting import (
    BOUNCE_NAMES,
    TRACKING_TYPES,
    activity_stats,
    aggregate_percents,
    campaign_summary,
    link_click_counts,
    sent_activity_ids,
    sent_campaigns,
    tracking_rows,
    tracking_view,
)
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.views import iso

router = api_router("campaign_data")
MAX_STATS_IDS = 10
MAX_CAMPAIGN_STATS_IDS = 150  # `maximum: 150` on the string parameter (facts §12.2)


def text_limit(raw: str | None, default: int, high: int) -> int:
    """A string-typed ``limit`` (facts §12.2) as an int in 1..high, else 400."""
    if raw is None:
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw) <= high:
        raise bad_request(f"limit: {raw!r} must be a whole number from 1 to {high}")
    return int(raw)


def page_of(request: Request, rows: list[Any], limit: int) -> tuple[list[Any], dict[str, Any]]:
    """One page of an immutable, ordered list: the cursor is the offset of the next row."""
    start = int_cursor(request.query_params.get("cursor")) or 0
    if start < 0:
        raise bad_request("cursor: not a valid cursor")
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    return page, next_links(request, start + limit if more else None)


@router.get("/reports/summary_reports/email_campaign_summaries")
async def campaign_summaries(request: Request, limit: str | None = None) -> dict[str, Any]:
    size = text_limit(limit, 50, 500)
    state = state_of(request)
    with state.lock:
        store = campaign_store(state)
        campaigns, links = page_of(request, sent_campaigns(store), size)
        summaries = [campaign_summary(store, c) for c in campaigns]
    return {
        "bulk_email_campaign_summaries": summaries,
        "aggregate_percents": aggregate_percents(summaries),
        "_links": links,
    }


def _stats_ids(
    raw: str, name: str = "campaign_activity_ids", most: int = MAX_STATS_IDS
) -> list[str]:
    ids = [part.strip() for part in raw.split(",")]
    if len(ids) > most:
        raise bad_request(f"{name}: at most {most} ids, {len(ids)} given")
    what = name.removesuffix("_ids").replace("_", " ")
    for ident in ids:
        if not is_uuid(ident):  # one malformed id fails the whole request (facts §10.2)
            raise not_found(what, ident)
    return list(dict.fromkeys(ids))  # an id asked twice is answered once


def is_uuid(text: str) -> bool:
    try:
        return len(text) == 36 and bool(uuid.UUID(text))
    except ValueError:
        return False


@router.get("/reports/stats/email_campaign_activities/{campaign_activity_ids}")
async def activity_stats_report(request: Request, campaign_activity_ids: str) -> dict[str, Any]:
    ids = _stats_ids(campaign_activity_ids)
    state = state_of(request)
    results, errors = [], []
    with state.lock:
        store = campaign_store(state)
        for ident in ids:
            if ident not in store.rows:  # missing, deleted or never sent: no stats
                errors.append(_stats_error(ident))
                continue
            results.append(_stats_result(store, ident, state.now()))
    return {"results": results, "errors": errors}


def _stats_error(ident: str, what: str = "campaign activity") -> dict[str, str]:
    return {
        "error_key": "reports.stats.not_found",
        "error_message": f"no stats for {what} {ident}",
    }


@router.get("/reports/stats/email_campaigns/{campaign_ids}")
async def campaign_stats_report(request: Request, campaign_ids: str) -> dict[str, Any]:
    """D:CampaignStatsQueryResultEmail; a campaign never sent is an ``errors`` entry."""
    ids = _stats_ids(campaign_ids, "campaign_ids", MAX_CAMPAIGN_STATS_IDS)
    state = state_of(request)
    results, errors = [], []
    with state.lock:
        store = campaign_store(state)
        for ident in ids:
            campaign = store.campaigns.get(ident)
            if campaign is None or not sent_activity_ids(store, campaign):
                errors.append(_stats_error(ident, "campaign"))
                continue
            stats = campaign_stats(store, campaign)
            results.append(
                {
                    "campaign_id": ident,
                    "stats": stats,
                    "percents": campaign_percents(stats),
                    "last_refresh_time": iso(state.now()),
                }
            )
    return {"results": results, "errors": errors}


def _stats_result(store: CampaignStore, ident: str, now: int) -> dict[str, Any]:
    return {
        "campaign_id": store.activities[ident].campaign_id,
        "campaign_activity_id": ident,
        "stats": activity_stats(store, ident),
        "last_refresh_time": iso(now),
    }


@router.get("/reports/email_reports/{campaign_activity_id}/links")
async def links_report(
    request: Request, campaign_activity_id: str, no_clicks: bool = False
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        store = campaign_store(state)
        if campaign_activity_id not in store.rows:
            raise not_found("campaign activity", campaign_activity_id)
        counts = link_click_counts(store, campaign_activity_id, no_clicks)
    return {"campaign_activity_id": campaign_activity_id, "link_click_counts": counts}


def _tracking_handler(kind: str) -> Callable[[Request, str], Awaitable[dict[str, Any]]]:
    async def tracking(request: Request, campaign_activity_id: str) -> dict[str, Any]:
        size = text_limit(request.query_params.get("limit"), 500, 500)
        keep = _row_filter(request, kind)
        state = state_of(request)
        with state.lock:
            store = campaign_store(state)
            if not is_uuid(campaign_activity_id) or campaign_activity_id not in store.activities:
                raise not_found("campaign activity", campaign_activity_id)
            rows = [t for t in tracking_rows(store, campaign_activity_id, kind) if keep(t)]
            page, links = page_of(request, rows, size)
            views = [tracking_view(state, t, kind) for t in page]
        return {"tracking_activities": views, "_links": links}

    tracking.__name__ = f"tracking_{kind}"
    return tracking


def _row_filter(request: Request, kind: str) -> Callable[[Any], bool]:
    if kind == "clicks" and "url_id" in request.query_params:
        raw = request.query_params["url_id"]
        if not raw.strip().lstrip("-").isdigit() or not -(2**63) <= int(raw) < 2**63:
            raise bad_request(f"url_id: {raw!r} is not an int64 integer")
        return lambda t: t.url_id == str(int(raw))  # an int64 param, a string in rows (§12.10)
    if kind == "bounces" and "bounce_code" in request.query_params:
        codes = set(request.query_params.getlist("bounce_code"))
        if codes - BOUNCE_NAMES.keys():
            raise bad_request(f"bounce_code: {sorted(codes - BOUNCE_NAMES.keys())} not valid")
        return lambda t: t.code in codes
    return lambda _: True


for _kind in TRACKING_TYPES:
    router.add_api_route(
        f"/reports/email_reports/{{campaign_activity_id}}/tracking/{_kind}",
        _tracking_handler(_kind),
        methods=["GET"],
    )
