"""Schedules, sends and the send history of campaigns made through the API: DRAFT ->
SCHEDULED -> DONE, unscheduling back, a time that comes, a second send to new contacts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tests.support import campaigns as controls
from tests.support.campaign_api import (
    activity_body,
    ready_campaign,
    roles_of,
    schedule,
    seeded_campaign,
    send_scheduled,
    tomorrow,
)
from tests.support.campaign_api import create_campaign as create_via_api
from tests.support.campaigns import BUSY_RATES, all_pages
from tests.support.conformance import conformance_hooks

from listbridge.emulator.campaign_edit import create_campaign, update_activity
from listbridge.emulator.campaign_schedule import schedule as schedule_activity
from listbridge.emulator.campaign_schemas import ActivityPutIn, CampaignCreateIn
from listbridge.emulator.campaign_send import SendOrder, send_campaign
from listbridge.emulator.campaigns import CampaignStore, campaign_store
from listbridge.emulator.seed import seed
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import obtain_token

MISSING = "00000000-0000-4000-8000-000000000000"


def _status(emulator: Any, campaign_id: str, activity_id: str) -> tuple[str, str]:
    campaign = emulator.api.get(f"/emails/{campaign_id}").json()["current_status"]
    activity = emulator.api.get(f"/emails/activities/{activity_id}").json()["current_status"]
    return campaign, activity


def test_schedule_and_unschedule(emulator: Any) -> None:
    campaign_id, activity_id = seeded_campaign(
        emulator.api, emulator.control, "Planned", contacts=5, seed=41
    )
    path = f"/emails/activities/{activity_id}/schedules"
    assert emulator.api.get(path).json() == []
    day = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    answer = schedule(emulator.api, activity_id, day)  # a date alone is midnight UTC
    assert answer.status_code == 201
    assert answer.json() == [{"scheduled_date": f"{day}T00:00:00.000000Z"}]
    assert emulator.api.get(path).json() == answer.json()
    assert _status(emulator, campaign_id, activity_id) == ("Scheduled", "SCHEDULED")
    again = schedule(emulator.api, activity_id, tomorrow())
    assert again.status_code == 400
    assert emulator.api.delete(path).status_code == 204
    assert _status(emulator, campaign_id, activity_id) == ("Draft", "DRAFT")
    assert emulator.api.get(path).json() == []
    assert emulator.api.delete(path).status_code == 400
    assert emulator.api.get(f"/emails/activities/{MISSING}/schedules").status_code == 404


def test_schedule_refusals(emulator: Any) -> None:
    list_id = controls.seed(emulator.control, contacts=5, lists=1, seed=42)["list_ids"][0]
    campaign = create_via_api(emulator.api, "Not ready")
    roles = roles_of(emulator.api, campaign["campaign_id"])
    activity_id = roles["primary_email"]
    no_lists = schedule(emulator.api, activity_id, tomorrow())
    assert no_lists.status_code == 400
    assert "contact_list_ids" in no_lists.json()[0]["error_message"]
    stranger = activity_body(emulator.api, [list_id], from_email="someone@elsewhere.example")
    emulator.api.put(f"/emails/activities/{activity_id}", json=stranger).raise_for_status()
    unconfirmed = schedule(emulator.api, activity_id, tomorrow())
    assert unconfirmed.status_code == 400
    assert "from_email" in unconfirmed.json()[0]["error_message"]
    good = activity_body(emulator.api, [list_id])
    emulator.api.put(f"/emails/activities/{activity_id}", json=good).raise_for_status()
    for when in ("next tuesday", "2020-13-01", ""):
        assert schedule(emulator.api, activity_id, when).status_code == 400, when
    assert schedule(emulator.api, roles["permalink"], tomorrow()).status_code == 400
    assert schedule(emulator.api, MISSING, tomorrow()).status_code == 404
    raw = emulator.api.post(f"/emails/activities/{activity_id}/schedules", content=b"{}")
    assert raw.status_code == 400  # the operation declares no 415
    assert _status(emulator, campaign["campaign_id"], activity_id) == ("Draft", "DRAFT")


def test_a_past_date_sends_at_once(emulator: Any) -> None:
    list_id = controls.seed(emulator.control, contacts=4, lists=1, seed=49)["list_ids"][0]
    campaign_id, activity_id = ready_campaign(emulator.api, "Late", [list_id])
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    answer = schedule(emulator.api, activity_id, "2020-01-01")
    assert answer.status_code == 201
    (when,) = answer.json()
    assert when["scheduled_date"] >= before  # a past date is now
    assert _status(emulator, campaign_id, activity_id) == ("Done", "DONE")
    history = emulator.api.get(f"/emails/activities/{activity_id}/send_history").json()
    assert history[0]["run_date"] == when["scheduled_date"]
    ancient = ready_campaign(emulator.api, "Ancient", [list_id])[1]
    assert schedule(emulator.api, ancient, "0001-01-01T00:00:00+01:00").status_code == 201


def test_schedule_zero_sends_at_once(emulator: Any) -> None:
    list_id = controls.seed(emulator.control, contacts=12, lists=1, seed=43)["list_ids"][0]
    campaign_id, activity_id = ready_campaign(emulator.api, "Now", [list_id])
    answer = schedule(emulator.api, activity_id, "0")
    assert (answer.status_code, answer.json()) == (201, [])
    assert _status(emulator, campaign_id, activity_id) == ("Done", "DONE")
    members = all_pages(emulator.api, "/contacts", "contacts", lists=list_id, limit=500)
    active = [m for m in members if m["email_address"]["permission_to_send"] != "unsubscribed"]
    history = emulator.api.get(f"/emails/activities/{activity_id}/send_history").json()
    assert [(h["send_id"], h["count"], h["reason_code"]) for h in history] == [(1, len(active), 0)]
    sends = f"/reports/email_reports/{activity_id}/tracking/sends"
    assert len(all_pages(emulator.api, sends, "tracking_activities")) == len(active)
    opens = f"/reports/email_reports/{activity_id}/tracking/opens"
    assert all_pages(emulator.api, opens, "tracking_activities") == []  # engagement comes later
    later = emulator.control.post(f"/campaigns/{campaign_id}/activity", json={"seed": 1})
    assert later.status_code == 200


def test_a_sent_activity_rescheduled_reaches_only_new_contacts(emulator: Any) -> None:
    list_id = controls.seed(emulator.control, contacts=8, lists=1, seed=44)["list_ids"][0]
    campaign_id, activity_id = ready_campaign(emulator.api, "Twice", [list_id])
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    first = send_scheduled(emulator.control, activity_id, BUSY_RATES)["sends"]
    assert schedule(emulator.api, activity_id, "0").status_code == 201  # nobody new: reason 12
    emulator.new_contact("newcomer@example.org", [list_id])
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    assert send_scheduled(emulator.control, activity_id, BUSY_RATES)["sends"] == 1
    history = emulator.api.get(f"/emails/activities/{activity_id}/send_history").json()
    assert [(h["send_id"], h["count"], h["reason_code"]) for h in history] == [
        (1, first, 0),
        (2, 0, 12),
        (3, 1, 0),
    ]
    assert all(h["send_status"] == "COMPLETED" for h in history)
    assert _status(emulator, campaign_id, activity_id) == ("Done", "DONE")


def test_the_send_control_sends_only_scheduled_activities(emulator: Any) -> None:
    list_id = controls.seed(emulator.control, contacts=4, lists=1, seed=45)["list_ids"][0]
    _, activity_id = ready_campaign(emulator.api, "Draft only", [list_id])
    draft = emulator.control.post("/campaigns/send", json={"campaign_activity_id": activity_id})
    assert draft.status_code == 409
    mixed = {"campaign_activity_id": activity_id, "name": "x", "list_ids": [list_id]}
    assert emulator.control.post("/campaigns/send", json=mixed).status_code == 400
    missing = emulator.control.post("/campaigns/send", json={"campaign_activity_id": MISSING})
    assert missing.status_code == 404
    assert emulator.control.post("/campaigns/send", json={"seed": 1}).status_code == 400


def test_a_schedule_is_sent_when_its_time_comes() -> None:
    hour = 3600 * 1_000_000
    now = [int(datetime(2026, 3, 1, tzinfo=UTC).timestamp()) * 1_000_000]
    state = EmulatorState(clock=lambda: now[0])
    owner = state.account.contact_email
    content = {
        "format_type": 5,
        "from_name": "Trust",
        "from_email": owner,
        "reply_to_email": owner,
        "subject": "Soon",
        "html_content": "<html><body>[[trackingImage]]</body></html>",
    }
    with state.lock:
        list_ids = seed(state, contacts=6, lists=1, custom_fields=0, seed_value=46)["list_ids"]
        store = campaign_store(state)
        body = CampaignCreateIn.model_validate(
            {"name": "Soon", "email_campaign_activities": [content]}
        )
        campaign = create_campaign(state, store, body)
        activity_id = campaign.primary_activity_id
        put = ActivityPutIn.model_validate({**content, "contact_list_ids": list_ids})
        update_activity(state, store, activity_id, put)
        schedule_activity(state, store, activity_id, now[0] + hour)
    activity = campaign_store(state).activities[activity_id]
    assert activity.current_status == "SCHEDULED"
    now[0] += 2 * hour
    store = campaign_store(state)  # any reader of the store sends what is due
    assert (activity.current_status, campaign.current_status) == ("DONE", "Done")
    assert activity.sent_at == now[0] - hour  # sent at its scheduled time
    assert activity.send_history[-1][3] == 6
    assert len(store.tracks(activity_id, "sends")) == 6
    assert store.next_due is None


def test_schedules_survive_a_restart_with_a_state_file(tmp_path: Path) -> None:
    from listbridge.emulator.config import EmulatorConfig
    from listbridge.emulator.testing import running_emulator

    config = EmulatorConfig(auto_approve=True, state_file=tmp_path / "emulator.db")
    when = tomorrow()
    views = []
    for _ in range(2):
        with running_emulator(config) as base_url:
            token = obtain_token(base_url)["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(
                base_url=f"{base_url}/v3", headers=headers, event_hooks=conformance_hooks()
            ) as api:
                if not views:
                    list_id = api.post("/contact_lists", json={"name": "Kept"}).json()["list_id"]
                    _, activity_id = ready_campaign(api, "Kept", [list_id])
                    abtest = {
                        "alternative_subject": "B",
                        "test_size": 10,
                        "winner_wait_duration": 6,
                    }
                    path = f"/emails/activities/{activity_id}/abtest"
                    assert api.post(path, json=abtest).status_code == 201
                    assert schedule(api, activity_id, when).status_code == 201
                views.append(
                    (
                        api.get(f"/emails/activities/{activity_id}/schedules").json(),
                        api.get(f"/emails/activities/{activity_id}").json(),
                        api.get(f"/emails/activities/{activity_id}/abtest").json(),
                    )
                )
    assert views[0] == views[1]
    assert views[0][0][0]["scheduled_date"].startswith(when[:19])


def _list_segment(emulator: Any, list_id: str) -> int:
    condition = {
        "source": "list_membership",
        "field": "list_id",
        "op": "contains-any",
        "const_value": list_id,
    }
    text = json.dumps({"version": "1.0.0", "criteria": {"type": "and", "group": [condition]}})
    made = emulator.api.post("/segments", json={"name": "Members", "segment_criteria": text})
    assert made.status_code == 201, made.text
    return int(made.json()["segment_id"])


def test_a_segment_send_reaches_what_the_segment_selects(emulator: Any) -> None:
    list_ids = controls.seed(emulator.control, contacts=20, lists=2, seed=47)["list_ids"]
    segment_id = _list_segment(emulator, list_ids[0])
    selected = {
        c["contact_id"]
        for c in all_pages(emulator.api, "/contacts", "contacts", segment_id=segment_id)
        if c["email_address"]["permission_to_send"] != "unsubscribed"
    }
    _, activity_id = ready_campaign(emulator.api, "To a segment", list_ids)
    body = activity_body(emulator.api, [], segment_ids=[segment_id])
    del body["contact_list_ids"]
    put = emulator.api.put(f"/emails/activities/{activity_id}", json=body)
    assert put.status_code == 200, put.text
    assert put.json()["segment_ids"] == [segment_id]
    assert "contact_list_ids" not in put.json()
    assert schedule(emulator.api, activity_id, "0").status_code == 201
    sends = f"/reports/email_reports/{activity_id}/tracking/sends"
    reached = {r["contact_id"] for r in all_pages(emulator.api, sends, "tracking_activities")}
    assert reached == selected
    history = emulator.api.get(f"/emails/activities/{activity_id}/send_history").json()
    assert history[0]["segment_ids"] == [segment_id]
    missing = activity_body(emulator.api, [], segment_ids=[segment_id + 99])
    del missing["contact_list_ids"]
    refused = emulator.api.put(f"/emails/activities/{activity_id}", json=missing)
    assert refused.status_code == 404


def test_a_deleted_segment_makes_the_send_an_error(emulator: Any) -> None:
    list_id = controls.seed(emulator.control, contacts=6, lists=1, seed=48)["list_ids"][0]
    segment_id = _list_segment(emulator, list_id)
    campaign_id, activity_id = ready_campaign(emulator.api, "Lost segment", [list_id])
    body = activity_body(emulator.api, [], segment_ids=[segment_id])
    del body["contact_list_ids"]
    emulator.api.put(f"/emails/activities/{activity_id}", json=body).raise_for_status()
    assert schedule(emulator.api, activity_id, tomorrow()).status_code == 201
    assert emulator.api.delete(f"/segments/{segment_id}").status_code == 204
    send = emulator.control.post(
        "/campaigns/send", json={"campaign_activity_id": activity_id, "rates": BUSY_RATES}
    )
    assert send.json()["sends"] == 0
    assert _status(emulator, campaign_id, activity_id) == ("Error", "ERROR")
    history = emulator.api.get(f"/emails/activities/{activity_id}/send_history").json()
    assert [(h["send_status"], h["reason_code"], h["count"]) for h in history] == [
        ("ERRORED", 1, 0)
    ]


def test_a_state_saved_before_send_histories_gets_one_per_sent_activity() -> None:
    state = EmulatorState()
    with state.lock:
        list_ids = seed(state, contacts=5, lists=1, custom_fields=0, seed_value=50)["list_ids"]
        sent = send_campaign(state, SendOrder("Old", tuple(list_ids)))
        saved = campaign_store(state).dump()
    for activity in saved["activities"]:
        activity.pop("send_history", None)  # as a state file of an earlier version has it
    loaded = CampaignStore.load(saved)
    primary = loaded.activities[sent.campaign_activity_id]
    assert primary.send_history == (
        (1, tuple(list_ids), (), sent.sends, primary.sent_at, "COMPLETED", 0),
    )
    permalink = loaded.activities[loaded.campaigns[sent.campaign_id].permalink_activity_id]
    assert permalink.send_history == ()
