"""Subject-line A/B tests of a primary_email activity (D:ABTestData).

An A/B test is made and deleted only while the campaign is a draft (409 otherwise, as the
operations declare); making one turns the campaign's type into A/B Test (code 57),
deleting it back into Newsletter (code 10). The send simulation sends every recipient at
once: the split and the winner's later send are not emulated (docs/emulator-deviations.md).
Callers hold ``state.lock``.
"""

from __future__ import annotations

from typing import Any

from listbridge.emulator.campaign_edit import primary_activity
from listbridge.emulator.campaign_schemas import ABTestIn
from listbridge.emulator.campaigns import CampaignActivity, CampaignStore
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.state import EmulatorState

WAIT_HOURS = (6, 12, 24, 48)


def get_abtest(store: CampaignStore, activity_id: str) -> dict[str, Any]:
    activity = primary_activity(store, activity_id, "have an A/B test")
    if activity.abtest is None:
        raise not_found("A/B test of campaign activity", activity_id)
    return dict(activity.abtest)


def create_abtest(
    state: EmulatorState, store: CampaignStore, activity_id: str, body: ABTestIn
) -> dict[str, Any]:
    activity = primary_activity(store, activity_id, "have an A/B test")
    _draft_only(activity, "created")
    if activity.abtest is not None:
        raise ApiError(409, f"campaign activity {activity_id} already has an A/B test")
    if not body.alternative_subject.strip():
        raise bad_request("alternative_subject: must not be blank")
    if body.alternative_subject == activity.subject:
        raise bad_request("alternative_subject: is the activity's own subject")
    if not 5 <= body.test_size <= 50:
        raise bad_request(f"test_size: {body.test_size} is not 5-50 (percent)")
    if body.winner_wait_duration not in WAIT_HOURS:
        raise bad_request(
            f"winner_wait_duration: {body.winner_wait_duration} is not 6, 12, 24 or 48"
        )
    activity.abtest = body.model_dump()
    campaign = store.campaigns[activity.campaign_id]
    campaign.type, campaign.type_code = "AB_TEST", 57
    campaign.updated_at = state.stamp()
    return dict(activity.abtest)


def delete_abtest(state: EmulatorState, store: CampaignStore, activity_id: str) -> None:
    activity = primary_activity(store, activity_id, "have an A/B test")
    if activity.abtest is None:
        raise not_found("A/B test of campaign activity", activity_id)
    _draft_only(activity, "deleted")
    activity.abtest = None
    campaign = store.campaigns[activity.campaign_id]
    campaign.type, campaign.type_code = "NEWSLETTER", 10
    campaign.updated_at = state.stamp()


def _draft_only(activity: CampaignActivity, what: str) -> None:
    if activity.current_status != "DRAFT":
        raise ApiError(
            409,
            f"campaign activity {activity.campaign_activity_id} is {activity.current_status}: "
            f"an A/B test can only be {what} while the campaign is a draft",
        )
