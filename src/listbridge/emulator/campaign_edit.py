"""Writing campaigns: create (POST /emails), rename (PATCH), delete, and PUT of an activity.

What each state allows follows the operations' texts: a campaign is created as a Draft with
a ``primary_email`` and a ``permalink`` activity; only a ``primary_email`` activity in
``DRAFT`` or ``DONE`` can be updated; a ``Scheduled`` campaign cannot be deleted and a
``Removed`` one cannot be renamed. Refusals use the statuses each operation declares (none
of PUT, DELETE declares 409, so a refused state is their 400). Callers hold ``state.lock``.
"""

from __future__ import annotations

from typing import Any

from listbridge.emulator.campaign_schemas import ActivityPutIn, CampaignCreateIn
from listbridge.emulator.campaigns import Campaign, CampaignActivity, CampaignStore, new_campaign
from listbridge.emulator.errors import ApiError, bad_request, found, not_found
from listbridge.emulator.segments import segment_store
from listbridge.emulator.state import EmulatorState

#: an activity's status -> its campaign's (D:EmailCampaign is title case)
CAMPAIGN_STATUS = {
    "DRAFT": "Draft",
    "SCHEDULED": "Scheduled",
    "EXECUTING": "Executing",
    "DONE": "Done",
    "ERROR": "Error",
    "REMOVED": "Removed",
}
#: the content a resend and the permalink share with their primary_email activity
CONTENT = ("from_name", "from_email", "reply_to_email", "preheader", "html_content")
CONTENT_PARTS = ("physical_address", "document_properties", "contact_list_ids", "segment_ids")


def live_activity(store: CampaignStore, activity_id: str) -> CampaignActivity:
    """The activity, 404 when unknown or REMOVED (REMOVED ones are not retrievable)."""
    activity = store.activities.get(activity_id)
    if activity is None or activity.current_status == "REMOVED":
        raise not_found("campaign activity", activity_id)
    return activity


def primary_activity(store: CampaignStore, activity_id: str, what: str) -> CampaignActivity:
    """A live ``primary_email`` activity; another role is a 400 naming ``what`` was asked."""
    activity = live_activity(store, activity_id)
    if activity.role != "primary_email":
        raise bad_request(
            f"campaign activity {activity_id} has the role {activity.role}: "
            f"only a primary_email activity can {what}"
        )
    return activity


def set_status(store: CampaignStore, activity: CampaignActivity, status: str, now: int) -> None:
    """Move an activity; a primary_email activity moves its campaign with it."""
    activity.current_status = status
    campaign = store.campaigns[activity.campaign_id]
    if activity.role == "primary_email":
        campaign.current_status = CAMPAIGN_STATUS[status]
    campaign.updated_at = now


def create_campaign(state: EmulatorState, store: CampaignStore, body: CampaignCreateIn) -> Campaign:
    if len(body.email_campaign_activities) != 1:
        raise bad_request(
            "email_campaign_activities: must hold exactly one email campaign activity, "
            f"not {len(body.email_campaign_activities)}"
        )
    content = body.email_campaign_activities[0]
    _check_name(store, body.name, None)
    now = state.stamp()
    campaign, primary, permalink = new_campaign(state, body.name, now)
    primary.from_name, primary.from_email = content.from_name, content.from_email
    primary.reply_to_email, primary.subject = content.reply_to_email, content.subject
    primary.preheader = content.preheader or ""
    # Any format_type is taken: legacy formats are converted to custom code (5), the one kept.
    primary.html_content = content.html_content
    if content.physical_address_in_footer is not None:
        primary.physical_address = content.physical_address_in_footer.model_dump(exclude_none=True)
    mirror(primary, permalink)
    store.add_campaign(campaign, primary, permalink)
    return campaign


def rename_campaign(
    state: EmulatorState, store: CampaignStore, campaign_id: str, name: str
) -> Campaign:
    campaign = found(store.campaigns, campaign_id, "campaign")
    if campaign.current_status == "Removed":
        raise bad_request(
            f"campaign {campaign_id} is Removed: a removed campaign cannot be renamed"
        )
    _check_name(store, name, campaign)
    campaign.name = name
    campaign.updated_at = state.stamp()
    return campaign


def delete_campaign(state: EmulatorState, store: CampaignStore, campaign_id: str) -> None:
    """The campaign and its activities become Removed (the UI can restore them)."""
    campaign = found(store.campaigns, campaign_id, "campaign")
    if campaign.current_status == "Removed":
        raise not_found("campaign", campaign_id)
    if campaign.current_status == "Scheduled":
        raise bad_request(
            f"campaign {campaign_id} is Scheduled: unschedule it "
            "(DELETE /emails/activities/{campaign_activity_id}/schedules) before deleting it"
        )
    now = state.stamp()
    for activity_id in (campaign.primary_activity_id, campaign.permalink_activity_id):
        if activity_id in store.activities:
            set_status(store, store.activities[activity_id], "REMOVED", now)
    if campaign.resend_activity_id in store.activities:
        store.activities[campaign.resend_activity_id].current_status = "REMOVED"
    store.reschedule()


def update_activity(
    state: EmulatorState, store: CampaignStore, activity_id: str, body: ActivityPutIn
) -> CampaignActivity:
    """PUT: properties left out are emptied; the sub-resources left out (HTML, footer
    address, document properties) are kept, and so are the properties left out of them."""
    activity = primary_activity(store, activity_id, "be updated")
    if activity.current_status not in ("DRAFT", "DONE"):
        raise bad_request(
            f"campaign activity {activity_id} is {activity.current_status}: only DRAFT or DONE "
            "activities can be updated (unschedule a SCHEDULED one first)"
        )
    lists, segments = tuple(body.contact_list_ids or ()), tuple(body.segment_ids or ())
    _check_recipients(state, lists, segments)
    activity.from_name, activity.from_email = body.from_name, body.from_email
    activity.reply_to_email, activity.subject = body.reply_to_email, body.subject
    activity.preheader = body.preheader or ""
    activity.contact_list_ids, activity.segment_ids = lists, segments
    if body.html_content is not None:
        activity.html_content = body.html_content
    if body.physical_address_in_footer is not None:
        sent = body.physical_address_in_footer.model_dump(exclude_none=True)
        activity.physical_address = {**(activity.physical_address or {}), **sent}
    if body.document_properties is not None:
        sent = body.document_properties.model_dump(exclude_none=True)
        activity.document_properties = {**(activity.document_properties or {}), **sent}
    campaign = store.campaigns[activity.campaign_id]
    campaign.updated_at = state.stamp()
    for other in (campaign.permalink_activity_id, campaign.resend_activity_id):
        if other in store.activities:
            mirror(activity, store.activities[other])
    return activity


def mirror(primary: CampaignActivity, other: CampaignActivity) -> None:
    """The permalink (and a resend) carry the primary's content; a resend keeps its subject."""
    for name in (*CONTENT, *CONTENT_PARTS):
        setattr(other, name, getattr(primary, name))
    if other.role == "permalink":
        other.subject = primary.subject
        other.contact_list_ids, other.segment_ids = (), ()


def _check_name(store: CampaignStore, name: str, campaign: Campaign | None) -> None:
    taken = {c.name.lower() for c in store.campaigns.values() if c is not campaign}
    if name.lower() in taken:
        raise ApiError(409, f"name: a campaign named {name!r} already exists")


def _check_recipients(
    state: EmulatorState, lists: tuple[str, ...], segments: tuple[int, ...]
) -> None:
    if lists and segments:
        raise bad_request("contact_list_ids, segment_ids: use contact lists or a segment, not both")
    if len(segments) > 1:
        raise bad_request(f"segment_ids: holds a single segment id, not {len(segments)}")
    live = {lst.list_id for lst in state.live_lists()}
    missing = [i for i in lists if i not in live]
    if missing:
        raise not_found("contact list(s)", f"{', '.join(missing)} (contact_list_ids)")
    known = segment_store(state).segments
    for segment_id in segments:
        if segment_id not in known or known[segment_id].deleted_at is not None:
            raise not_found("segment", f"{segment_id} (segment_ids)")


def activity_reference(store: CampaignStore, campaign: Campaign) -> list[dict[str, Any]]:
    """D:EmailCampaign.campaign_activities: the live activities and their roles."""
    ids = (
        campaign.primary_activity_id,
        campaign.permalink_activity_id,
        campaign.resend_activity_id,
    )
    found = [store.activities[i] for i in ids if i in store.activities]
    return [{"campaign_activity_id": a.campaign_activity_id, "role": a.role} for a in found]
