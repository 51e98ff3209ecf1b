"""/v3/emails (campaigns and their activities) and the campaign test controls: ``send``,
later ``activity`` and ``totals``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from listbridge.emulator.account_profile import AccountProfile
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.campaign_activity import LaterRates, add_activity, campaign_totals
from listbridge.emulator.campaign_send import Rates, SendOrder, send_campaign
from listbridge.emulator.campaigns import Campaign, CampaignActivity, campaign_store
from listbridge.emulator.contact_query import csv_values, instant
from listbridge.emulator.errors import not_found
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.views import iso

ACTIVITY_INCLUDES = frozenset(
    {"physical_address_in_footer", "permalink_url", "html_content", "document_properties"}
)

router = api_router("campaign_data")
control_router = APIRouter()


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    """D:EmailCampaigns, the row of GET /emails."""
    return {
        "campaign_id": campaign.campaign_id,
        "name": campaign.name,
        "type": campaign.type,
        "type_code": campaign.type_code,
        "current_status": campaign.current_status,
        "created_at": iso(campaign.created_at),
        "updated_at": iso(campaign.updated_at),
    }


def activity_view(
    activity: CampaignActivity, include: frozenset[str], account: AccountProfile
) -> dict[str, Any]:
    """D:EmailCampaignActivity; ``include`` adds the optional parts."""
    view: dict[str, Any] = {
        "campaign_activity_id": activity.campaign_activity_id,
        "campaign_id": activity.campaign_id,
        "role": activity.role,
        "current_status": activity.current_status,
        "format_type": 5,
        "from_name": account.from_name,
        "from_email": account.contact_email,
        "reply_to_email": account.contact_email,
        "subject": activity.subject,
        "preheader": activity.preheader,
        "contact_list_ids": list(activity.contact_list_ids),
    }
    if "physical_address_in_footer" in include:
        view["physical_address_in_footer"] = account.footer()
    if "permalink_url" in include:
        view["permalink_url"] = f"{account.website}/p/{activity.campaign_activity_id}"
    if "html_content" in include:
        view["html_content"] = f"<html><body><h1>{activity.subject}</h1></body></html>"
    if "document_properties" in include:
        view["document_properties"] = {"letter_format": "HTML"}
    return view


@router.get("/emails")
async def list_campaigns(
    request: Request,
    limit: int = 50,
    before_date: str | None = None,
    after_date: str | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    check_limit(limit, 1, 500)
    after = instant(after_date, "after_date")
    before = instant(before_date, "before_date")
    start = int_cursor(cursor) or 0
    state = state_of(request)
    with state.lock:
        ordered = list(campaign_store(state).campaigns.values())
    # after_date/before_date filter on updated_at (facts §10.1), both ends inclusive.
    matches = [
        (i, c)
        for i, c in enumerate(ordered)
        if i >= start
        and (after is None or c.updated_at >= after)
        and (before is None or c.updated_at <= before)
    ]
    page = matches[:limit]
    more = len(matches) > limit
    return {
        "campaigns": [campaign_view(c) for _, c in page],
        "_links": next_links(request, page[-1][0] + 1 if more else None),
    }


@router.get("/emails/activities/{campaign_activity_id}")
async def get_campaign_activity(
    request: Request, campaign_activity_id: str, include: str | None = None
) -> dict[str, Any]:
    asked = frozenset(csv_values(include, "include", tuple(sorted(ACTIVITY_INCLUDES))))
    state = state_of(request)
    with state.lock:
        activity = campaign_store(state).activities.get(campaign_activity_id)
    # REMOVED activities are not retrievable (facts §10.1).
    if activity is None or activity.current_status == "REMOVED":
        raise not_found("campaign activity", campaign_activity_id)
    return activity_view(activity, asked, state.account)


@router.get("/emails/campaign_id_xrefs")
async def campaign_xrefs(request: Request, v2_email_campaign_ids: str) -> dict[str, Any]:
    """D:CrossReferenceResponse for the V2 ids the emulator's campaigns carry (numbered from
    1100000000001 in creation order); an id no campaign carries has no row. Registered
    before ``/emails/{campaign_id}``, which would otherwise take it for a campaign id."""
    ids = csv_values(v2_email_campaign_ids, "v2_email_campaign_ids", most=50)
    state = state_of(request)
    with state.lock:
        store = campaign_store(state)
        known = store.by_v2_id()
        rows = [
            {
                "v2_email_campaign_id": v2_id,
                "campaign_id": known[v2_id].campaign_id,
                "campaign_activity_id": known[v2_id].primary_activity_id,
            }
            for v2_id in dict.fromkeys(ids)
            if v2_id in known
        ]
    return {"xrefs": rows}


@router.get("/emails/{campaign_id}")
async def get_campaign(request: Request, campaign_id: str) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        store = campaign_store(state)
        campaign = store.campaigns.get(campaign_id)
        if campaign is None:
            raise not_found("campaign", campaign_id)
        ids = (campaign.primary_activity_id, campaign.permalink_activity_id)
        roles = [(i, store.activities[i].role) for i in ids if i in store.activities]
    activities = [{"campaign_activity_id": i, "role": role} for i, role in roles]
    return {**campaign_view(campaign), "campaign_activities": activities}


class RatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open: float = Field(default=0.4, ge=0, le=1)
    click: float = Field(default=0.05, ge=0, le=1)
    forward: float = Field(default=0.01, ge=0, le=1)
    bounce: float = Field(default=0.02, ge=0, le=1)
    optout: float = Field(default=0.01, ge=0, le=1)


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    list_ids: list[str] = Field(min_length=1, max_length=50)
    rates: RatesIn = RatesIn()
    seed: int = 0


@control_router.post("/campaigns/send")
async def send_control(request: Request, body: SendIn = Depends(json_body(SendIn))) -> Any:
    """Send a campaign to the active members of ``list_ids`` (design.md control table)."""
    order = SendOrder(body.name, tuple(body.list_ids), Rates(**body.rates.model_dump()), body.seed)
    result = send_campaign(state_of(request), order)
    return {
        "campaign_id": result.campaign_id,
        "campaign_activity_id": result.campaign_activity_id,
        "sends": result.sends,
    }


class LaterRatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open: float = Field(default=LaterRates.open, ge=0, le=1)
    click: float = Field(default=LaterRates.click, ge=0, le=1)
    forward: float = Field(default=LaterRates.forward, ge=0, le=1)
    optout: float = Field(default=LaterRates.optout, ge=0, le=1)


class ActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rates: LaterRatesIn = LaterRatesIn()
    seed: int = 0


@control_router.post("/campaigns/{campaign_id}/activity")
async def activity_control(request: Request, campaign_id: str) -> Any:
    """Later engagement by a sent campaign's recipients, dated now (design.md control table)."""
    raw = await request.body()  # every field is optional, so an empty body is fine
    body = ActivityIn() if not raw.strip() else await json_body(ActivityIn)(request)
    rates = LaterRates(**body.rates.model_dump())
    result = add_activity(state_of(request), campaign_id, rates, body.seed)
    return {
        "campaign_id": result.campaign_id,
        "campaign_activity_id": result.campaign_activity_id,
        "added": result.added,
    }


@control_router.get("/campaigns/{campaign_id}/totals")
async def totals_control(request: Request, campaign_id: str, by_contact: bool = True) -> Any:
    """What the campaign's tracking reports hold, to check a pull against."""
    return campaign_totals(state_of(request), campaign_id, by_contact)
