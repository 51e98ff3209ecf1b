"""/v3/emails: campaigns and their activities (their sub-resources are in
``campaign_activities``; the test controls in ``campaign_controls``)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response

from listbridge.emulator import campaign_edit as edit
from listbridge.emulator.account_profile import AccountProfile
from listbridge.emulator.body import json_body
from listbridge.emulator.campaign_proofs import html_of
from listbridge.emulator.campaign_schemas import ActivityPutIn, CampaignCreateIn, CampaignNameIn
from listbridge.emulator.campaigns import Campaign, CampaignActivity, CampaignStore
from listbridge.emulator.contact_query import csv_values, instant
from listbridge.emulator.errors import found
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes import campaign_activities, campaign_controls
from listbridge.emulator.routes.campaign_scope import locked_campaigns
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.views import iso

ACTIVITY_INCLUDES = frozenset(
    {"physical_address_in_footer", "permalink_url", "html_content", "document_properties"}
)

#: a PUT answers with the sub-resources it may have changed
PUT_ANSWER = frozenset({"physical_address_in_footer", "html_content", "document_properties"})

router = api_router("campaign_data")
#: the test controls (app.py includes them under /__emulator__ when they are enabled)
control_router = campaign_controls.router


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


def campaign_detail(store: CampaignStore, campaign: Campaign) -> dict[str, Any]:
    """D:EmailCampaign: the row and its activities' ids and roles."""
    return {
        **campaign_view(campaign),
        "campaign_activities": edit.activity_reference(store, campaign),
    }


def activity_view(
    activity: CampaignActivity, include: frozenset[str], account: AccountProfile
) -> dict[str, Any]:
    """D:EmailCampaignActivity; ``include`` adds the optional parts. A campaign made by the
    send control is sent from the account owner (its sender fields are unset)."""
    view: dict[str, Any] = {
        "campaign_activity_id": activity.campaign_activity_id,
        "campaign_id": activity.campaign_id,
        "role": activity.role,
        "current_status": activity.current_status,
        "format_type": 5,
        "from_name": activity.from_name or account.from_name,
        "from_email": activity.from_email or account.contact_email,
        "reply_to_email": activity.reply_to_email or account.contact_email,
        "subject": activity.subject,
        "preheader": activity.preheader,
    }
    # Contact lists or one segment, never both (facts §10.1).
    if activity.segment_ids:
        view["segment_ids"] = list(activity.segment_ids)
    else:
        view["contact_list_ids"] = list(activity.contact_list_ids)
    if "physical_address_in_footer" in include:
        view["physical_address_in_footer"] = activity.physical_address or account.footer()
    if "permalink_url" in include:
        view["permalink_url"] = f"{account.website}/p/{activity.campaign_activity_id}"
    if "html_content" in include:
        view["html_content"] = html_of(activity)
    if "document_properties" in include:
        view["document_properties"] = {
            **(activity.document_properties or {}),
            "letter_format": "HTML",
        }
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
    with locked_campaigns(request) as (_, store):
        ordered = list(store.campaigns.values())
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


@router.post("/emails")
async def create_campaign(
    request: Request, body: CampaignCreateIn = Depends(json_body(CampaignCreateIn))
) -> dict[str, Any]:
    """A Draft campaign with its primary_email and permalink activities (200, not 201)."""
    with locked_campaigns(request) as (state, store):
        return campaign_detail(store, edit.create_campaign(state, store, body))


@router.get("/emails/activities/{campaign_activity_id}")
async def get_campaign_activity(
    request: Request, campaign_activity_id: str, include: str | None = None
) -> dict[str, Any]:
    asked = frozenset(csv_values(include, "include", tuple(sorted(ACTIVITY_INCLUDES))))
    with locked_campaigns(request) as (state, store):
        activity = edit.live_activity(store, campaign_activity_id)  # REMOVED: 404 (facts §10.1)
    return activity_view(activity, asked, state.account)


@router.put("/emails/activities/{campaign_activity_id}")
async def update_campaign_activity(
    request: Request,
    campaign_activity_id: str,
    body: ActivityPutIn = Depends(json_body(ActivityPutIn)),
) -> dict[str, Any]:
    with locked_campaigns(request) as (state, store):
        activity = edit.update_activity(state, store, campaign_activity_id, body)
        return activity_view(activity, PUT_ANSWER, state.account)


@router.get("/emails/campaign_id_xrefs")
async def campaign_xrefs(request: Request, v2_email_campaign_ids: str) -> dict[str, Any]:
    """D:CrossReferenceResponse for the V2 ids the emulator's campaigns carry (numbered from
    1100000000001 in creation order); an id no campaign carries has no row. Registered
    before ``/emails/{campaign_id}``, which would otherwise take it for a campaign id."""
    ids = csv_values(v2_email_campaign_ids, "v2_email_campaign_ids", most=50)
    with locked_campaigns(request) as (_, store):
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
    with locked_campaigns(request) as (_, store):
        return campaign_detail(store, found(store.campaigns, campaign_id, "campaign"))


@router.patch("/emails/{campaign_id}")
async def rename_campaign(
    request: Request, campaign_id: str, body: CampaignNameIn = Depends(json_body(CampaignNameIn))
) -> dict[str, Any]:
    with locked_campaigns(request) as (state, store):
        return campaign_detail(store, edit.rename_campaign(state, store, campaign_id, body.name))


@router.delete("/emails/{campaign_id}", status_code=204)
async def delete_campaign(request: Request, campaign_id: str) -> Response:
    with locked_campaigns(request) as (state, store):
        edit.delete_campaign(state, store, campaign_id)
    return Response(status_code=204)


# After the routes above; the sub-resources share no path with them.
router.include_router(campaign_activities.router)
