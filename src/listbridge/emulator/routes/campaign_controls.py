"""The campaign test controls under ``/__emulator__``: ``send`` (a new campaign, or a
scheduled activity made through the API), later ``activity`` and ``totals``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.campaign_activity import LaterRates, add_activity, campaign_totals
from listbridge.emulator.campaign_edit import live_activity
from listbridge.emulator.campaign_schedule import send_scheduled
from listbridge.emulator.campaign_send import HOUR_US, Rates, SendOrder, send_campaign
from listbridge.emulator.errors import bad_request
from listbridge.emulator.routes.campaign_scope import locked_campaigns

router = APIRouter()


class RatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open: float = Field(default=0.4, ge=0, le=1)
    click: float = Field(default=0.05, ge=0, le=1)
    forward: float = Field(default=0.01, ge=0, le=1)
    bounce: float = Field(default=0.02, ge=0, le=1)
    optout: float = Field(default=0.01, ge=0, le=1)


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    list_ids: list[str] | None = Field(default=None, min_length=1, max_length=50)
    rates: RatesIn = RatesIn()
    seed: int = 0
    #: send this SCHEDULED activity (made through the API) now, to its own contacts
    campaign_activity_id: str | None = None


@router.post("/campaigns/send")
async def send_control(request: Request, body: SendIn = Depends(json_body(SendIn))) -> Any:
    """Send a campaign to the active members of ``list_ids``, or a scheduled activity to its
    lists (design.md control table; docs/emulator-deviations.md)."""
    rates = Rates(**body.rates.model_dump())
    state = state_of(request)
    if body.campaign_activity_id is not None:
        return _send_scheduled(request, body, rates)
    if body.name is None or body.list_ids is None:
        raise bad_request("name and list_ids are required (or campaign_activity_id)")
    order = SendOrder(body.name, tuple(body.list_ids), rates, body.seed)
    result = send_campaign(state, order)
    return {
        "campaign_id": result.campaign_id,
        "campaign_activity_id": result.campaign_activity_id,
        "sends": result.sends,
    }


def _send_scheduled(request: Request, body: SendIn, rates: Rates) -> dict[str, Any]:
    """As if it had gone out an hour ago (like a new campaign), after any earlier send of
    its campaign, so its engagement is all in the past."""
    if body.name is not None or body.list_ids is not None:
        raise bad_request(
            "campaign_activity_id sends to the activity's own lists: no name or list_ids"
        )
    activity_id = body.campaign_activity_id or ""
    with locked_campaigns(request) as (state, store):
        activity = live_activity(store, activity_id)
        earlier = [
            a.sent_at
            for a in store.activities.values()
            if a.campaign_id == activity.campaign_id and a.sent_at is not None
        ]
        sent_at = max(state.now() - HOUR_US, max(earlier, default=0) + 1_000_000)
        sends = send_scheduled(state, store, activity, rates, body.seed, sent_at)
    return {
        "campaign_id": activity.campaign_id,
        "campaign_activity_id": activity_id,
        "sends": sends,
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


@router.post("/campaigns/{campaign_id}/activity")
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


@router.get("/campaigns/{campaign_id}/totals")
async def totals_control(request: Request, campaign_id: str, by_contact: bool = True) -> Any:
    """What the campaign's tracking reports hold, to check a pull against."""
    return campaign_totals(state_of(request), campaign_id, by_contact)
