"""Campaigns made through the emulator's /v3/emails API, as an integration makes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tests.support import campaigns

HTML = (
    "<html><body>[[trackingImage]]<h1>Autumn appeal</h1>"
    '<p><a href="https://example.org/appeal">Give</a> or '
    '<a href="https://example.org/volunteer">volunteer</a>.</p></body></html>'
)
LINK_URLS = {"https://example.org/appeal", "https://example.org/volunteer"}


def owner_address(api: httpx.Client) -> str:
    """The account owner's address: a confirmed sender."""
    address: str = api.get("/account/summary").json()["contact_email"]
    return address


def activity_body(api: httpx.Client, list_ids: list[str], **changes: Any) -> dict[str, Any]:
    """A PUT /emails/activities/{id} body sending ``HTML`` to ``list_ids``."""
    owner = owner_address(api)
    body = {
        "contact_list_ids": list_ids,
        "from_name": "Harbour Trust",
        "from_email": owner,
        "reply_to_email": owner,
        "subject": "Our autumn appeal",
        "preheader": "Two ways to help",
        "html_content": HTML,
    }
    return {**body, **changes}


def create_body(api: httpx.Client, name: str, **changes: Any) -> dict[str, Any]:
    owner = owner_address(api)
    content = {
        "format_type": 5,
        "from_name": "Harbour Trust",
        "from_email": owner,
        "reply_to_email": owner,
        "subject": "Draft subject",
        "html_content": "<html><body>[[trackingImage]]draft</body></html>",
        **changes,
    }
    return {"name": name, "email_campaign_activities": [content]}


def create_campaign(api: httpx.Client, name: str) -> dict[str, Any]:
    answer = api.post("/emails", json=create_body(api, name))
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def roles_of(api: httpx.Client, campaign_id: str) -> dict[str, str]:
    campaign = api.get(f"/emails/{campaign_id}").json()
    return {a["role"]: a["campaign_activity_id"] for a in campaign["campaign_activities"]}


def ready_campaign(api: httpx.Client, name: str, list_ids: list[str]) -> tuple[str, str]:
    """A Draft campaign whose primary activity has lists, sender and content:
    (campaign_id, primary activity id)."""
    campaign = create_campaign(api, name)
    activity_id = roles_of(api, campaign["campaign_id"])["primary_email"]
    put = api.put(f"/emails/activities/{activity_id}", json=activity_body(api, list_ids))
    assert put.status_code == 200, put.text
    return campaign["campaign_id"], activity_id


def schedule(api: httpx.Client, activity_id: str, when: str) -> httpx.Response:
    return api.post(f"/emails/activities/{activity_id}/schedules", json={"scheduled_date": when})


def tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def send_scheduled(
    control: httpx.Client, activity_id: str, rates: dict[str, float], seed: int = 5
) -> dict[str, Any]:
    body = {"campaign_activity_id": activity_id, "rates": rates, "seed": seed}
    answer = control.post("/campaigns/send", json=body)
    assert answer.status_code == 200, answer.text
    sent: dict[str, Any] = answer.json()
    return sent


def seeded_campaign(
    api: httpx.Client, control: httpx.Client, name: str, contacts: int, seed: int
) -> tuple[str, str]:
    """``ready_campaign`` to one list of ``contacts`` seeded contacts:
    (campaign_id, primary activity id)."""
    list_id = campaigns.seed(control, contacts=contacts, lists=1, seed=seed)["list_ids"][0]
    return ready_campaign(api, name, [list_id])


def sent_with_resend(api: httpx.Client, control: httpx.Client) -> tuple[str, str, str]:
    """A campaign to 60 contacts sent with BUSY_RATES, its resend to non-openers (12 hours
    on) still SCHEDULED: (campaign_id, primary activity id, resend activity id)."""
    campaign_id, primary = seeded_campaign(api, control, "Resent", contacts=60, seed=53)
    resend = {"resend_subject": "Again", "delay_minutes": 720}
    made = api.post(f"/emails/activities/{primary}/non_opener_resends", json=resend)
    assert made.status_code == 201, made.text
    assert schedule(api, primary, tomorrow()).status_code == 201
    send_scheduled(control, primary, campaigns.BUSY_RATES)
    return campaign_id, primary, roles_of(api, campaign_id)["resend"]
