"""Resends to non-openers (one per campaign): a ``resend`` activity beside the primary.

A resend made while its primary_email activity is a DRAFT is a draft too (request id
``DRAFT``); once the primary is scheduled or sent it gets a numeric request id and is
SCHEDULED ``delay_minutes`` after the primary's send, then sent by the scheduler (see
``campaign_schedule``) to the recipients who neither opened nor bounced. Callers hold
``state.lock``.
"""

from __future__ import annotations

from typing import Any

from listbridge.emulator.campaign_edit import mirror, primary_activity
from listbridge.emulator.campaign_schedule import schedule_resend
from listbridge.emulator.campaign_schemas import ResendIn
from listbridge.emulator.campaigns import CampaignActivity, CampaignStore
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso

DAY_MINUTES = 1440
#: the campaign statuses a resend can be made in (the operation's text)
RESENDABLE = ("Draft", "Scheduled", "Done")


def resend_of(store: CampaignStore, primary: CampaignActivity) -> CampaignActivity | None:
    resend_id = store.campaigns[primary.campaign_id].resend_activity_id
    return store.activities.get(resend_id) if resend_id else None


def resend_view(resend: CampaignActivity) -> dict[str, Any]:
    """D:ResendToNonOpenersObject; ``delay_days`` when the delay is whole days."""
    minutes = resend.delay_minutes or 0
    view: dict[str, Any] = {
        "resend_subject": resend.subject,
        "delay_minutes": minutes,
        "resend_request_id": resend.resend_request_id or "DRAFT",
    }
    if minutes % DAY_MINUTES == 0:
        view["delay_days"] = minutes // DAY_MINUTES
    if resend.current_status in ("SCHEDULED", "DONE"):
        view["resend_status"] = resend.current_status
    if resend.current_status == "DONE":
        view["resend_date"] = iso(resend.sent_at)
    return view


def list_resends(store: CampaignStore, activity_id: str) -> list[dict[str, Any]]:
    primary = primary_activity(store, activity_id, "have a resend to non-openers")
    resend = resend_of(store, primary)
    return [resend_view(resend)] if resend is not None else []


def create_resend(
    state: EmulatorState, store: CampaignStore, activity_id: str, body: ResendIn
) -> CampaignActivity:
    primary = primary_activity(store, activity_id, "have a resend to non-openers")
    campaign = store.campaigns[primary.campaign_id]
    if campaign.current_status not in RESENDABLE:
        raise bad_request(
            f"campaign {campaign.campaign_id} is {campaign.current_status}: a resend to "
            "non-openers needs a Draft, Scheduled or Done campaign"
        )
    if resend_of(store, primary) is not None:
        raise ApiError(409, f"campaign {campaign.campaign_id} already has a resend to non-openers")
    if not body.resend_subject.strip():
        raise bad_request("resend_subject: must not be blank")
    resend = CampaignActivity(state.new_id(), campaign, "resend")
    mirror(primary, resend)
    resend.subject = body.resend_subject
    resend.delay_minutes = _delay(body)
    resend.resend_request_id = "DRAFT"
    schedule_resend(state, store, primary, resend, new=True)
    store.activities[resend.campaign_activity_id] = resend
    campaign.resend_activity_id = resend.campaign_activity_id
    campaign.updated_at = state.stamp()
    store.reschedule()
    return resend


def delete_resend(store: CampaignStore, activity_id: str, request_id: str) -> None:
    primary = primary_activity(store, activity_id, "have a resend to non-openers")
    resend = resend_of(store, primary)
    if resend is None or (resend.resend_request_id or "DRAFT") != request_id:
        raise not_found("resend to non-openers", request_id)
    if resend.current_status == "DONE":
        raise ApiError(409, f"resend {request_id} has been sent and cannot be deleted")
    resend.current_status = "REMOVED"
    resend.scheduled_at = None
    store.campaigns[primary.campaign_id].resend_activity_id = None
    store.reschedule()


def _delay(body: ResendIn) -> int:
    """Minutes; ``delay_days`` wins when both are sent (``delay_minutes`` is then ignored)."""
    if body.delay_days is not None:
        if not 1 <= body.delay_days <= 10:
            raise bad_request(f"delay_days: {body.delay_days} is not 1-10")
        return body.delay_days * DAY_MINUTES
    if body.delay_minutes is None:
        raise bad_request("delay_days or delay_minutes: one of them is required")
    if not 720 <= body.delay_minutes <= 10 * DAY_MINUTES:
        raise bad_request(f"delay_minutes: {body.delay_minutes} is not 720-14400")
    return body.delay_minutes
