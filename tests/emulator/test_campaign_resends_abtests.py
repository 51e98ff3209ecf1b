"""Resends to non-openers, A/B tests, test sends and previews of campaign activities: what
each state allows and the declared statuses of each refusal (responses checked against the
official spec by the fixture)."""

from __future__ import annotations

from typing import Any

from tests.support.campaign_api import (
    create_campaign,
    roles_of,
    schedule,
    seeded_campaign,
    send_scheduled,
    sent_with_resend,
    tomorrow,
)
from tests.support.campaigns import all_pages

MISSING = "00000000-0000-4000-8000-000000000000"
ABTEST = {"alternative_subject": "Last chance", "test_size": 20, "winner_wait_duration": 24}


def _resends(emulator: Any, activity_id: str) -> Any:
    return emulator.api.get(f"/emails/activities/{activity_id}/non_opener_resends").json()


def test_a_draft_resend_follows_its_primary(emulator: Any) -> None:
    campaign_id, activity_id = seeded_campaign(
        emulator.api, emulator.control, "With resend", contacts=5, seed=51
    )
    path = f"/emails/activities/{activity_id}/non_opener_resends"
    assert _resends(emulator, activity_id) == []
    made = emulator.api.post(
        path, json={"resend_subject": "In case you missed it", "delay_days": 2}
    )
    assert made.status_code == 201, made.text
    assert made.json() == {
        "resend_subject": "In case you missed it",
        "delay_minutes": 2880,
        "delay_days": 2,
        "resend_request_id": "DRAFT",
    }
    assert _resends(emulator, activity_id) == [made.json()]
    assert set(roles_of(emulator.api, campaign_id)) == {"primary_email", "permalink", "resend"}
    again = emulator.api.post(path, json={"resend_subject": "Twice", "delay_minutes": 720})
    assert again.status_code == 409
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    (scheduled,) = _resends(emulator, activity_id)
    assert scheduled["resend_request_id"].isdigit()
    assert scheduled["resend_status"] == "SCHEDULED"
    assert emulator.api.delete(f"/emails/activities/{activity_id}/schedules").status_code == 204
    (draft,) = _resends(emulator, activity_id)
    assert (draft["resend_request_id"], "resend_status" in draft) == ("DRAFT", False)
    assert emulator.api.delete(f"{path}/389093").status_code == 404
    assert emulator.api.delete(f"{path}/DRAFT").status_code == 204
    assert _resends(emulator, activity_id) == []
    assert set(roles_of(emulator.api, campaign_id)) == {"primary_email", "permalink"}


def test_resend_refusals(emulator: Any) -> None:
    campaign_id, activity_id = seeded_campaign(
        emulator.api, emulator.control, "Bad resends", contacts=5, seed=52
    )
    path = f"/emails/activities/{activity_id}/non_opener_resends"
    for body in (
        {"resend_subject": "x", "delay_days": 11},
        {"resend_subject": "x", "delay_minutes": 719},
        {"resend_subject": "x", "delay_minutes": 14401},
        {"resend_subject": "x"},
        {"delay_days": 2},
        {"resend_subject": " ", "delay_days": 2},
        {"resend_subject": "x", "delay_days": "2"},
    ):
        assert emulator.api.post(path, json=body).status_code == 400, body
    permalink = roles_of(emulator.api, campaign_id)["permalink"]
    body = {"resend_subject": "x", "delay_days": 1}
    other = emulator.api.post(f"/emails/activities/{permalink}/non_opener_resends", json=body)
    assert other.status_code == 400
    missing = emulator.api.post(f"/emails/activities/{MISSING}/non_opener_resends", json=body)
    assert missing.status_code == 404
    # delay_days wins over delay_minutes when both are sent
    both = emulator.api.post(path, json={**body, "delay_minutes": 800})
    assert both.json()["delay_minutes"] == 1440


def test_a_resend_goes_to_the_non_openers(emulator: Any) -> None:
    _, activity_id, resend_id = sent_with_resend(emulator.api, emulator.control)
    path = f"/emails/activities/{activity_id}/non_opener_resends"
    (waiting,) = _resends(emulator, activity_id)
    assert waiting["resend_status"] == "SCHEDULED"
    reports = f"/reports/email_reports/{activity_id}/tracking"
    silent = {
        r["contact_id"]
        for r in all_pages(emulator.api, f"{reports}/didnotopens", "tracking_activities")
    }
    opted = {
        r["contact_id"]
        for r in all_pages(emulator.api, f"{reports}/optouts", "tracking_activities")
    }
    sent = send_scheduled(emulator.control, resend_id, {"open": 0.0}, seed=2)
    assert sent["sends"] == len(silent - opted)
    resent = all_pages(
        emulator.api, f"/reports/email_reports/{resend_id}/tracking/sends", "tracking_activities"
    )
    assert {r["contact_id"] for r in resent} == silent - opted
    (done,) = _resends(emulator, activity_id)
    assert done["resend_status"] == "DONE"
    assert done["resend_date"]
    history = emulator.api.get(f"/emails/activities/{resend_id}/send_history").json()
    assert [h["count"] for h in history] == [sent["sends"]]
    refused = emulator.api.delete(f"{path}/{done['resend_request_id']}")
    assert refused.status_code == 409


def test_ab_tests_belong_to_draft_campaigns(emulator: Any) -> None:
    campaign_id, activity_id = seeded_campaign(
        emulator.api, emulator.control, "Two subjects", contacts=5, seed=54
    )
    path = f"/emails/activities/{activity_id}/abtest"
    assert emulator.api.get(path).status_code == 404
    made = emulator.api.post(path, json=ABTEST)
    assert (made.status_code, made.json()) == (201, ABTEST)
    assert emulator.api.get(path).json() == ABTEST
    campaign = emulator.api.get(f"/emails/{campaign_id}").json()
    assert campaign["type_code"] == 57
    assert emulator.api.post(path, json=ABTEST).status_code == 409
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    assert emulator.api.delete(path).status_code == 409  # not a draft any more
    emulator.api.delete(f"/emails/activities/{activity_id}/schedules").raise_for_status()
    assert emulator.api.delete(path).status_code == 204
    assert emulator.api.get(f"/emails/{campaign_id}").json()["type_code"] == 10
    assert emulator.api.get(path).status_code == 404
    assert emulator.api.delete(path).status_code == 404


def test_ab_test_refusals(emulator: Any) -> None:
    campaign = create_campaign(emulator.api, "Bad tests")
    roles = roles_of(emulator.api, campaign["campaign_id"])
    path = f"/emails/activities/{roles['primary_email']}/abtest"
    for changes in (
        {"test_size": 4},
        {"test_size": 51},
        {"winner_wait_duration": 7},
        {"alternative_subject": "Draft subject"},
        {"alternative_subject": ""},
        {"test_size": "20"},
    ):
        assert emulator.api.post(path, json={**ABTEST, **changes}).status_code == 400, changes
    permalink = emulator.api.post(f"/emails/activities/{roles['permalink']}/abtest", json=ABTEST)
    assert permalink.status_code == 400
    assert emulator.api.post(f"/emails/activities/{MISSING}/abtest", json=ABTEST).status_code == (
        404
    )


def test_test_sends_and_their_daily_limit(emulator: Any) -> None:
    campaign = create_campaign(emulator.api, "Proofs")
    roles = roles_of(emulator.api, campaign["campaign_id"])
    path = f"/emails/activities/{roles['primary_email']}/tests"
    five = [f"proof{i}@example.org" for i in range(5)]
    for _ in range(10):  # 50 a day
        answer = emulator.api.post(path, json={"email_addresses": five, "personal_message": "Hi"})
        assert (answer.status_code, answer.content) == (204, b"")
    over = emulator.api.post(path, json={"email_addresses": five[:1]})
    assert over.status_code == 400
    assert "50" in over.json()[0]["error_message"]
    for body in ({"email_addresses": [*five, "six@example.org"]}, {}, {"email_addresses": "a"}):
        assert emulator.api.post(path, json=body).status_code == 400, body
    # Nothing is delivered: an empty list sends nothing (the schema sets no minimum).
    assert emulator.api.post(path, json={"email_addresses": []}).status_code == 204
    permalink = f"/emails/activities/{roles['permalink']}/tests"
    assert emulator.api.post(permalink, json={"email_addresses": five}).status_code == 400


def test_preview_and_send_history_of_a_draft(emulator: Any) -> None:
    campaign_id, activity_id = seeded_campaign(
        emulator.api, emulator.control, "Preview", contacts=5, seed=55
    )
    preview = emulator.api.get(f"/emails/activities/{activity_id}/previews").json()
    assert preview["subject"] == "Our autumn appeal"
    assert "[[trackingImage]]" not in preview["preview_html_content"]
    assert '<a href="https://example.org/appeal">' in preview["preview_html_content"]
    assert preview["preview_text_content"] == "Autumn appeal Give or volunteer ."
    history = f"/emails/activities/{activity_id}/send_history"
    assert emulator.api.get(history).json() == []
    permalink = roles_of(emulator.api, campaign_id)["permalink"]
    assert emulator.api.get(f"/emails/activities/{permalink}/send_history").status_code == 400
    assert emulator.api.get(f"/emails/activities/{MISSING}/previews").status_code == 404
