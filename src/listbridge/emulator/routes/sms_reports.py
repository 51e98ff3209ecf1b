"""SMS reports: the SMS campaign summaries and a contact's SMS engagement history.

The emulator sends no SMS campaigns, so ``sms_campaign_summaries`` is always the empty
page D:SmsCampaignSummariesPage allows, after its parameters are checked as declared.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from listbridge.emulator.auth import state_of
from listbridge.emulator.contact_query import instant
from listbridge.emulator.errors import bad_request, not_found
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.routes.reports import text_limit
from listbridge.emulator.sms_history import sms_history
from listbridge.emulator.views import iso

router = api_router("campaign_data")
history_router = api_router("contact_data")
SUMMARIES_LIMIT = 50  # "from 1 to 50. The default setting is 50."


@router.get("/reports/summary_reports/sms_campaign_summaries")
async def sms_campaign_summaries(
    start_at: str, limit: str | None = None, end_at: str | None = None
) -> dict[str, Any]:
    text_limit(limit, SUMMARIES_LIMIT, SUMMARIES_LIMIT)
    low = instant(start_at, "start_at") or 0
    high = instant(end_at, "end_at")
    if high is not None and high < low:
        raise bad_request(f"end_at: {end_at!r} is before start_at {start_at!r}")
    return {
        "bulk_sms_campaign_summaries": [],
        # the rates of no campaigns: 0, as the e-mail summaries answer an empty page
        "aggregate_percents": {"deliver": 0.0, "click": 0.0, "bounce": 0.0, "unsubscribe": 0.0},
        "_links": {},  # no next page (reportingsmsLinks.next is optional)
    }


@history_router.get("/contacts/sms_engagement_history/{contact_id}")
async def sms_engagement_history(request: Request, contact_id: str) -> list[dict[str, Any]]:
    """D:SmsEngagementHistory: the contact's SMS consent changes, newest first."""
    state = state_of(request)
    with state.lock:
        if contact_id not in state.contacts.by_id:
            raise not_found("contact", contact_id)
        records = list(sms_history(state).by_contact.get(contact_id, []))
    return [_record_view(contact_id, r) for r in reversed(records)]


def _record_view(contact_id: str, record: dict[str, Any]) -> dict[str, Any]:
    details = dict(record["history_details"])
    details["consent_action_time"] = iso(details["consent_action_time"])
    details["source_consent_timestamp"] = details["consent_action_time"]
    return {
        "contact_id": contact_id,
        "sms_channel_id": record["sms_channel_id"],
        "sms_channel_history_id": record["sms_channel_history_id"],
        "insert_time": iso(record["insert_time"]),
        "history_details": details,
    }
