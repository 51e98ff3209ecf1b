"""/v3/reports/contact_reports: one contact's campaign history (scope contact_data)."""

from __future__ import annotations

from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import Any

from fastapi import Query, Request

from listbridge.emulator.auth import state_of
from listbridge.emulator.campaign_stats import open_click_rates
from listbridge.emulator.campaigns import ACTIVITY_TYPES, CampaignStore, Track, campaign_store
from listbridge.emulator.contact_query import instant
from listbridge.emulator.errors import bad_request, not_found
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.routes.reports import page_of, text_limit
from listbridge.emulator.views import iso

# Landing-page types are accepted; the emulator has no landing pages, so they match nothing.
DETAIL_TYPES = frozenset({*ACTIVITY_TYPES.values(), "p_contact_open", "p_contact_click"}) | {
    "p_contact_add",
    "p_contact_update",
}
SUMMARY_CAMPAIGNS = 200  # the summary covers the latest 200 campaigns (facts §2)
RATE_RANGE_YEARS = 5  # "Range cannot exceed 5 years" (P:GET …/open_and_click_rates)

router = api_router("contact_data")


def _detail_types(csv: str | None, repeated: list[str]) -> frozenset[str]:
    # Exactly one of the two spellings is required; they are mutually exclusive (§10.4).
    if (csv is None) == (not repeated):
        raise bad_request("give either tracking_activities_list or tracking_activity_type")
    asked = [v.strip() for v in csv.split(",")] if csv is not None else repeated
    unknown = sorted(set(asked) - DETAIL_TYPES)
    if unknown:
        raise bad_request(f"tracking activity type(s) not valid: {', '.join(unknown)}")
    return frozenset(asked)


def _detail_view(store: CampaignStore, track: Track, names: bool) -> dict[str, Any]:
    view = {
        "contact_id": track.contact_id,
        "campaign_activity_id": track.activity_id,
        "created_time": iso(track.at),
        "tracking_activity_type": ACTIVITY_TYPES[track.kind],
    }
    campaign = store.campaign_of(track.activity_id)
    if names and campaign is not None:
        view["campaign_activity_name"] = campaign.name
    return view


@router.get("/reports/contact_reports/{contact_id}/activity_details")
async def activity_details(
    request: Request,
    contact_id: str,
    tracking_activities_list: str | None = None,
    tracking_activity_type: list[str] = Query(default=[]),
    include_campaign_activity_names: bool = True,
    limit: str | None = None,
) -> dict[str, Any]:
    types = _detail_types(tracking_activities_list, tracking_activity_type)
    size = text_limit(limit, 100, 100)
    state = state_of(request)
    with state.lock:
        if contact_id not in state.contacts.by_id:
            raise not_found("contact", contact_id)
        store = campaign_store(state)
        rows = [t for t in store.by_contact.get(contact_id, []) if ACTIVITY_TYPES[t.kind] in types]
        rows.sort(key=lambda t: t.at, reverse=True)
        page, links = page_of(request, rows, size)
        views = [_detail_view(store, t, include_campaign_activity_names) for t in page]
    return {"tracking_activities": views, "_links": links}


@router.get("/reports/contact_reports/{contact_id}/activity_summary")
async def activity_summary(request: Request, contact_id: str, start: str, end: str) -> Any:
    low, high = instant(start, "start") or 0, instant(end, "end") or 0
    state = state_of(request)
    with state.lock:
        if contact_id not in state.contacts.by_id:
            raise not_found("contact", contact_id)
        store = campaign_store(state)
        per_activity = _rows_by_activity(store.by_contact.get(contact_id, []))
        summaries = [
            _summary(store, activity_id, rows)
            for activity_id, rows in per_activity.items()
            if low <= (store.activities[activity_id].sent_at or 0) <= high
        ]
    summaries.sort(key=lambda s: s["start_on"], reverse=True)
    return {"contact_id": contact_id, "campaign_activities": summaries[:SUMMARY_CAMPAIGNS]}


def _rows_by_activity(rows: list[Track]) -> dict[str, list[Track]]:
    grouped: dict[str, list[Track]] = {}
    for track in rows:
        grouped.setdefault(track.activity_id, []).append(track)
    return grouped


def _summary(store: CampaignStore, activity_id: str, rows: list[Track]) -> dict[str, Any]:
    kinds = [t.kind for t in rows]
    return {
        "campaign_activity_id": activity_id,
        "start_on": iso(store.activities[activity_id].sent_at),
        "em_sends": kinds.count("sends"),
        "em_opens": kinds.count("opens"),
        "em_clicks": kinds.count("clicks"),
        "em_bounces": kinds.count("bounces"),
        "em_forwards": kinds.count("forwards"),
        "em_unsubscribes": kinds.count("optouts"),
    }


@router.get("/reports/contact_reports/{contact_id}/open_and_click_rates")
async def open_and_click_rates(
    request: Request, contact_id: str, start: str, end: str
) -> dict[str, Any]:
    """D:ContactOpenAndClickRates over the activities sent to the contact in the range."""
    low, high = instant(start, "start") or 0, instant(end, "end") or 0
    if high < low:
        raise bad_request(f"end: {end!r} is before start {start!r}")
    if high > _years_later(low, RATE_RANGE_YEARS):
        raise bad_request(f"end: the range {start} to {end} exceeds {RATE_RANGE_YEARS} years")
    state = state_of(request)
    with state.lock:
        if contact_id not in state.contacts.by_id:
            raise not_found("contact", contact_id)
        store = campaign_store(state)
        rates = open_click_rates(store, store.by_contact.get(contact_id, []), low, high)
    return {
        "contact_id": contact_id,
        "included_activities_count": rates.included,
        "average_open_rate": rates.open_rate,
        "average_click_rate": rates.click_rate,
    }


def _years_later(micros: int, years: int) -> int:
    """The same calendar instant ``years`` later (29 February becomes 28 February)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    try:
        moment = epoch + timedelta(microseconds=micros)
    except OverflowError:  # before year 1 in UTC (e.g. 0001-01-01T00:00+01:00)
        moment = datetime(1, 1, 1, tzinfo=UTC)
    if moment.year + years > MAXYEAR:
        return 2**63  # beyond any instant a date-time can name
    try:
        later = moment.replace(year=moment.year + years)
    except ValueError:
        later = moment.replace(year=moment.year + years, day=28)
    return (later - epoch) // timedelta(microseconds=1)
