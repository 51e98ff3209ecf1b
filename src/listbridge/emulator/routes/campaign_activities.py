"""/v3/emails/activities/{campaign_activity_id}/...: schedules, test sends, previews, the
send history, resends to non-openers and A/B tests. ``routes.campaigns`` includes this
router in its own, which carries the gate and the ``campaign_data`` scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from listbridge.emulator import campaign_abtests as abtests
from listbridge.emulator import campaign_proofs as proofs
from listbridge.emulator import campaign_resends as resends
from listbridge.emulator import campaign_schedule as schedules
from listbridge.emulator.body import json_body
from listbridge.emulator.campaign_edit import live_activity
from listbridge.emulator.campaign_schemas import ABTestIn, ResendIn, ScheduleIn, SendTestIn
from listbridge.emulator.campaigns import CampaignActivity
from listbridge.emulator.routes.campaign_scope import locked_campaigns
from listbridge.emulator.views import iso

router = APIRouter()
BASE = "/emails/activities/{campaign_activity_id}"


def _schedule_view(activity: CampaignActivity) -> list[dict[str, Any]]:
    """D:EmailScheduleResponse: the date of a SCHEDULED activity, else empty."""
    if activity.current_status != "SCHEDULED":
        return []
    return [{"scheduled_date": iso(activity.scheduled_at)}]


@router.get(f"{BASE}/schedules")
async def get_schedules(request: Request, campaign_activity_id: str) -> list[dict[str, Any]]:
    with locked_campaigns(request) as (_, store):
        return _schedule_view(live_activity(store, campaign_activity_id))


@router.post(f"{BASE}/schedules", status_code=201)
async def post_schedule(
    request: Request, campaign_activity_id: str, body: ScheduleIn = Depends(json_body(ScheduleIn))
) -> list[dict[str, Any]]:
    """``"0"`` sends at once and the answer is empty, as the operation's text says; a date
    is answered (a past one is sent at once, and answered as now)."""
    with locked_campaigns(request) as (state, store):
        at = schedules.scheduled_date(body.scheduled_date, state.now())
        schedules.schedule(state, store, campaign_activity_id, at)
        return [] if at is None else [{"scheduled_date": iso(at)}]


@router.delete(f"{BASE}/schedules", status_code=204)
async def delete_schedule(request: Request, campaign_activity_id: str) -> Response:
    with locked_campaigns(request) as (state, store):
        schedules.unschedule(state, store, campaign_activity_id)
    return Response(status_code=204)


@router.post(f"{BASE}/tests", status_code=204)
async def post_test_send(
    request: Request, campaign_activity_id: str, body: SendTestIn = Depends(json_body(SendTestIn))
) -> Response:
    with locked_campaigns(request) as (state, store):
        proofs.send_test(state, store, campaign_activity_id, body)
    return Response(status_code=204)


@router.get(f"{BASE}/previews")
async def get_preview(request: Request, campaign_activity_id: str) -> dict[str, Any]:
    with locked_campaigns(request) as (state, store):
        return proofs.preview(store, campaign_activity_id, state.account)


@router.get(f"{BASE}/send_history")
async def get_send_history(request: Request, campaign_activity_id: str) -> list[dict[str, Any]]:
    with locked_campaigns(request) as (_, store):
        return proofs.send_history(store, campaign_activity_id)


@router.get(f"{BASE}/non_opener_resends")
async def get_resends(request: Request, campaign_activity_id: str) -> list[dict[str, Any]]:
    with locked_campaigns(request) as (_, store):
        return resends.list_resends(store, campaign_activity_id)


@router.post(f"{BASE}/non_opener_resends", status_code=201)
async def post_resend(
    request: Request, campaign_activity_id: str, body: ResendIn = Depends(json_body(ResendIn))
) -> dict[str, Any]:
    with locked_campaigns(request) as (state, store):
        return resends.resend_view(resends.create_resend(state, store, campaign_activity_id, body))


@router.delete(f"{BASE}/non_opener_resends/{{resend_request_id}}", status_code=204)
async def delete_resend(
    request: Request, campaign_activity_id: str, resend_request_id: str
) -> Response:
    with locked_campaigns(request) as (_, store):
        resends.delete_resend(store, campaign_activity_id, resend_request_id)
    return Response(status_code=204)


@router.get(f"{BASE}/abtest")
async def get_abtest(request: Request, campaign_activity_id: str) -> dict[str, Any]:
    with locked_campaigns(request) as (_, store):
        return abtests.get_abtest(store, campaign_activity_id)


@router.post(f"{BASE}/abtest", status_code=201)
async def post_abtest(
    request: Request, campaign_activity_id: str, body: ABTestIn = Depends(json_body(ABTestIn))
) -> dict[str, Any]:
    with locked_campaigns(request) as (state, store):
        return abtests.create_abtest(state, store, campaign_activity_id, body)


@router.delete(f"{BASE}/abtest", status_code=204)
async def delete_abtest(request: Request, campaign_activity_id: str) -> Response:
    with locked_campaigns(request) as (state, store):
        abtests.delete_abtest(state, store, campaign_activity_id)
    return Response(status_code=204)
