"""POST /emails, PATCH and DELETE /emails/{campaign_id}, PUT /emails/activities/{id}: what
each state allows, and the declared statuses of each refusal. Every ``emulator.api``
response is held to the official spec by the fixture."""

from __future__ import annotations

from typing import Any

from tests.support.campaign_api import (
    HTML,
    activity_body,
    create_body,
    create_campaign,
    ready_campaign,
    roles_of,
    schedule,
    tomorrow,
)
from tests.support.campaigns import seed, send

MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_makes_a_draft_with_primary_and_permalink(emulator: Any) -> None:
    created = create_campaign(emulator.api, "Winter letter")
    assert (created["name"], created["current_status"]) == ("Winter letter", "Draft")
    assert (created["type"], created["type_code"]) == ("NEWSLETTER", 10)
    roles = roles_of(emulator.api, created["campaign_id"])
    assert roles.keys() == {"primary_email", "permalink"}
    include = {"include": "html_content,physical_address_in_footer"}
    primary = emulator.api.get(f"/emails/activities/{roles['primary_email']}", params=include)
    view = primary.json()
    assert (view["current_status"], view["subject"], view["contact_list_ids"]) == (
        "DRAFT",
        "Draft subject",
        [],
    )
    assert view["html_content"] == "<html><body>[[trackingImage]]draft</body></html>"
    assert view["physical_address_in_footer"]["country_code"] == "US"
    permalink = emulator.api.get(f"/emails/activities/{roles['permalink']}").json()
    assert (permalink["role"], permalink["subject"]) == ("permalink", "Draft subject")
    listed = emulator.api.get("/emails").json()["campaigns"]
    assert [c["campaign_id"] for c in listed] == [created["campaign_id"]]


def test_create_refusals(emulator: Any) -> None:
    create_campaign(emulator.api, "Taken")
    api = emulator.api
    two = create_body(api, "Two")
    two["email_campaign_activities"] *= 2
    no_html = create_body(api, "No HTML")
    del no_html["email_campaign_activities"][0]["html_content"]
    cases = [
        (create_body(api, "TAKEN"), 409),
        (two, 400),
        (no_html, 400),
        (create_body(api, "x" * 81), 400),
        (create_body(api, "Typed", subject=7), 400),
    ]
    for body, status in cases:
        answer = api.post("/emails", json=body)
        assert answer.status_code == status, (body, answer.text)
    assert api.post("/emails", content=b"{}").status_code == 415
    assert len(api.get("/emails").json()["campaigns"]) == 1
    # Any format_type is converted to custom code (5); a blank name is a name (no rule says
    # otherwise) as long as it is unique.
    legacy = api.post("/emails", json=create_body(api, "Legacy", format_type=2))
    assert legacy.status_code == 200
    primary = roles_of(api, legacy.json()["campaign_id"])["primary_email"]
    assert api.get(f"/emails/activities/{primary}").json()["format_type"] == 5
    assert api.post("/emails", json=create_body(api, "")).status_code == 200
    assert api.post("/emails", json=create_body(api, "")).status_code == 409


def test_rename(emulator: Any) -> None:
    first = create_campaign(emulator.api, "First")["campaign_id"]
    create_campaign(emulator.api, "Second")
    renamed = emulator.api.patch(f"/emails/{first}", json={"name": "Renamed"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"
    assert renamed.json()["updated_at"] > renamed.json()["created_at"]
    assert emulator.api.patch(f"/emails/{first}", json={"name": "second"}).status_code == 409
    assert emulator.api.patch(f"/emails/{first}", json={"name": "y" * 81}).status_code == 400
    assert emulator.api.patch(f"/emails/{MISSING}", json={"name": "Z"}).status_code == 404
    assert emulator.api.delete(f"/emails/{first}").status_code == 204
    removed = emulator.api.patch(f"/emails/{first}", json={"name": "Back"})
    assert removed.status_code == 400
    assert "Removed" in removed.json()[0]["error_message"]


def test_delete_removes_the_campaign_and_its_activities(emulator: Any) -> None:
    created = create_campaign(emulator.api, "Short-lived")
    campaign_id = created["campaign_id"]
    roles = roles_of(emulator.api, campaign_id)
    assert emulator.api.delete(f"/emails/{campaign_id}").status_code == 204
    assert emulator.api.get(f"/emails/{campaign_id}").json()["current_status"] == "Removed"
    assert emulator.api.get(f"/emails/activities/{roles['primary_email']}").status_code == 404
    listed = emulator.api.get("/emails").json()["campaigns"]
    assert [c["current_status"] for c in listed] == ["Removed"]  # removed ones are listed
    assert emulator.api.delete(f"/emails/{campaign_id}").status_code == 404
    assert emulator.api.delete(f"/emails/{MISSING}").status_code == 404


def test_a_scheduled_campaign_cannot_be_deleted_a_sent_one_can(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=5, lists=1, seed=31)["list_ids"][0]
    campaign_id, activity_id = ready_campaign(emulator.api, "Planned", [list_id])
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    refused = emulator.api.delete(f"/emails/{campaign_id}")
    assert refused.status_code == 400
    assert "Scheduled" in refused.json()[0]["error_message"]
    sent = send(emulator.control, [list_id], name="Sent one")
    assert emulator.api.delete(f"/emails/{sent['campaign_id']}").status_code == 204


def test_put_replaces_properties_and_keeps_omitted_subresources(emulator: Any) -> None:
    list_ids = seed(emulator.control, contacts=5, lists=2, seed=32)["list_ids"]
    campaign_id, activity_id = ready_campaign(emulator.api, "Edited", list_ids)
    path = f"/emails/activities/{activity_id}"
    footer = {"organization_name": "Harbour Trust", "address_line1": "1 Quay", "country_code": "GB"}
    body = activity_body(emulator.api, list_ids[:1], physical_address_in_footer=footer)
    del body["preheader"], body["html_content"]
    answer = emulator.api.put(path, json=body)
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["contact_list_ids"] == list_ids[:1]
    assert view["preheader"] == ""  # a property left out is emptied
    assert view["html_content"] == HTML  # a sub-resource left out is kept
    assert view["physical_address_in_footer"]["address_line1"] == "1 Quay"
    city = {**footer, "city": "Leith"}
    del city["address_line1"]
    city["address_line1"] = "2 Quay"
    again = emulator.api.put(path, json={**body, "physical_address_in_footer": city}).json()
    assert again["physical_address_in_footer"]["city"] == "Leith"
    permalink = roles_of(emulator.api, campaign_id)["permalink"]
    assert emulator.api.get(f"/emails/activities/{permalink}").json()["subject"] == (
        "Our autumn appeal"
    )


def test_put_refusals(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=5, lists=1, seed=33)["list_ids"][0]
    campaign_id, activity_id = ready_campaign(emulator.api, "Refusals", [list_id])
    path = f"/emails/activities/{activity_id}"
    good = activity_body(emulator.api, [list_id])
    missing_subject = dict(good)
    del missing_subject["subject"]
    cases = [
        ({**good, "contact_list_ids": [MISSING]}, 404),  # PUT declares 404, not 409
        ({**good, "contact_list_ids": [], "segment_ids": [404]}, 404),
        ({**good, "segment_ids": [1]}, 400),  # lists and a segment
        ({**good, "contact_list_ids": [], "segment_ids": [1, 2]}, 400),
        (missing_subject, 400),
        ({**good, "contact_list_ids": "all"}, 400),
    ]
    for body, status in cases:
        answer = emulator.api.put(path, json=body)
        assert answer.status_code == status, (body, answer.text)
    permalink = roles_of(emulator.api, campaign_id)["permalink"]
    assert emulator.api.put(f"/emails/activities/{permalink}", json=good).status_code == 400
    assert emulator.api.put(f"/emails/activities/{MISSING}", json=good).status_code == 404
    assert emulator.api.put(path, content=b"{}").status_code == 415
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    scheduled = emulator.api.put(path, json=good)
    assert scheduled.status_code == 400
    assert "SCHEDULED" in scheduled.json()[0]["error_message"]


def test_a_sent_activity_can_be_updated(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=5, lists=1, seed=34)["list_ids"][0]
    sent = send(emulator.control, [list_id], name="Done already")
    path = f"/emails/activities/{sent['campaign_activity_id']}"
    answer = emulator.api.put(path, json=activity_body(emulator.api, [list_id], subject="Fixed"))
    assert answer.status_code == 200
    assert (answer.json()["current_status"], answer.json()["subject"]) == ("DONE", "Fixed")
