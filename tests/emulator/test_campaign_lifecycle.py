"""A whole campaign through the API (issue 22, acceptance 3): create it, PUT its activity
(lists, sender, subject, content), schedule it, send it by simulation, then check that every
report family agrees with the events the simulation produced, in counts and per contact.

The events are what the emulator recorded for the send (``GET /__emulator__/campaigns/
{campaign_id}/totals``), checked first against who the lists held. Every ``emulator.api``
response is also held to the official spec by the fixture.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.support.campaign_api import (
    LINK_URLS,
    activity_body,
    create_campaign,
    roles_of,
    schedule,
    send_scheduled,
    tomorrow,
)
from tests.support.campaigns import BUSY_RATES, all_pages, seed

KINDS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")


@pytest.fixture
def sent(emulator: Any) -> dict[str, Any]:
    """A campaign made, filled in, scheduled and sent through the API and the simulation."""
    list_ids = seed(emulator.control, contacts=160, lists=2, seed=22)["list_ids"]
    campaign = create_campaign(emulator.api, "Autumn appeal")
    assert campaign["current_status"] == "Draft"
    activity_id = roles_of(emulator.api, campaign["campaign_id"])["primary_email"]
    put = emulator.api.put(
        f"/emails/activities/{activity_id}", json=activity_body(emulator.api, list_ids)
    )
    assert put.status_code == 200, put.text
    assert put.json()["current_status"] == "DRAFT"
    when = tomorrow()
    scheduled = schedule(emulator.api, activity_id, when)
    assert scheduled.status_code == 201, scheduled.text
    assert scheduled.json()[0]["scheduled_date"].startswith(when[:19])
    assert emulator.api.get(f"/emails/{campaign['campaign_id']}").json()["current_status"] == (
        "Scheduled"
    )
    recipients = _active_members(emulator, list_ids)
    assert send_scheduled(emulator.control, activity_id, BUSY_RATES)["sends"] == len(recipients)
    totals = emulator.control.get(f"/campaigns/{campaign['campaign_id']}/totals").json()
    return {
        "campaign_id": campaign["campaign_id"],
        "activity_id": activity_id,
        "list_ids": list_ids,
        "recipients": recipients,
        "totals": totals,
    }


def _active_members(emulator: Any, list_ids: list[str]) -> set[str]:
    found = set()
    for list_id in list_ids:
        for contact in all_pages(emulator.api, "/contacts", "contacts", lists=list_id, limit=500):
            if contact["email_address"]["permission_to_send"] != "unsubscribed":
                found.add(contact["contact_id"])
    return found


def _tracking(emulator: Any, activity_id: str, kind: str) -> list[dict[str, Any]]:
    path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
    return all_pages(emulator.api, path, "tracking_activities", limit="100")


def _per_contact(totals: dict[str, Any], kind: str) -> Counter[str]:
    return Counter(
        {c: counts[kind] for c, counts in totals["by_contact"].items() if counts.get(kind)}
    )


def test_the_campaign_moves_from_draft_to_done(emulator: Any, sent: dict[str, Any]) -> None:
    campaign = emulator.api.get(f"/emails/{sent['campaign_id']}").json()
    assert campaign["current_status"] == "Done"
    activity = emulator.api.get(f"/emails/activities/{sent['activity_id']}").json()
    assert activity["current_status"] == "DONE"
    assert activity["contact_list_ids"] == sent["list_ids"]
    assert activity["subject"] == "Our autumn appeal"
    schedules = emulator.api.get(f"/emails/activities/{sent['activity_id']}/schedules")
    assert schedules.json() == []
    history = emulator.api.get(f"/emails/activities/{sent['activity_id']}/send_history").json()
    assert len(history) == 1
    assert history[0]["send_id"] == 1
    assert history[0]["count"] == len(sent["recipients"])
    assert history[0]["contact_list_ids"] == sent["list_ids"]
    assert (history[0]["send_status"], history[0]["reason_code"]) == ("COMPLETED", 0)


def test_the_send_reached_exactly_the_active_members(sent: dict[str, Any]) -> None:
    totals = sent["totals"]
    assert set(_per_contact(totals, "sends")) == sent["recipients"]
    assert totals["rows"]["sends"] == len(sent["recipients"])
    assert all(totals["rows"][kind] > 0 for kind in KINDS), totals["rows"]


def test_tracking_reports_hold_every_event_per_contact(emulator: Any, sent: dict[str, Any]) -> None:
    totals = sent["totals"]
    for kind in KINDS:
        rows = _tracking(emulator, sent["activity_id"], kind)
        assert len(rows) == totals["rows"][kind], kind
        assert Counter(r["contact_id"] for r in rows) == _per_contact(totals, kind), kind
    openers = set(_per_contact(totals, "opens"))
    unique = _tracking(emulator, sent["activity_id"], "unique_opens")
    assert sorted(r["contact_id"] for r in unique) == sorted(openers)
    bounced = set(_per_contact(totals, "bounces"))
    silent = sent["recipients"] - openers - bounced
    didnot = _tracking(emulator, sent["activity_id"], "didnotopens")
    assert sorted(r["contact_id"] for r in didnot) == sorted(silent)


def test_clicks_are_on_the_links_of_the_html(emulator: Any, sent: dict[str, Any]) -> None:
    clicks = _tracking(emulator, sent["activity_id"], "clicks")
    urls = {r["link_url"] for r in clicks}
    assert urls <= LINK_URLS
    clickers: dict[str, set[str]] = {}
    for row in clicks:
        clickers.setdefault(row["url_id"], set()).add(row["contact_id"])
    links = emulator.api.get(f"/reports/email_reports/{sent['activity_id']}/links").json()
    reported = {
        link["url_id"]: link["unique_clicks"]
        for link in links["link_click_counts"]
        if link["unique_clicks"]
    }
    assert reported == {url_id: len(who) for url_id, who in clickers.items()}


def test_summary_and_activity_stats_count_the_events(emulator: Any, sent: dict[str, Any]) -> None:
    totals = sent["totals"]
    unique = totals["unique"]
    not_opened = max(0, unique["sends"] - unique["opens"] - unique["bounces"])
    summaries = all_pages(
        emulator.api,
        "/reports/summary_reports/email_campaign_summaries",
        "bulk_email_campaign_summaries",
    )
    (summary,) = [s for s in summaries if s["campaign_id"] == sent["campaign_id"]]
    counts = summary["unique_counts"]
    assert {kind: counts[kind] for kind in KINDS} == {kind: unique[kind] for kind in KINDS}
    assert counts["not_opened"] == not_opened
    path = f"/reports/stats/email_campaign_activities/{sent['activity_id']}"
    (result,) = emulator.api.get(path).json()["results"]
    assert result["campaign_id"] == sent["campaign_id"]
    stats = result["stats"]
    assert {kind: stats[f"em_{kind}"] for kind in KINDS} == {kind: unique[kind] for kind in KINDS}
    assert stats["em_opens_all"] == totals["rows"]["opens"]
    assert stats["em_clicks_all"] == totals["rows"]["clicks"]
    assert stats["em_not_opened"] == not_opened


def test_contact_reports_hold_each_recipients_events(emulator: Any, sent: dict[str, Any]) -> None:
    by_contact = sent["totals"]["by_contact"]
    day = timedelta(days=2)
    window = {
        "start": (datetime.now(UTC) - day).isoformat(),
        "end": (datetime.now(UTC) + day).isoformat(),
    }
    types = ",".join(f"em_{kind}" for kind in KINDS)
    for contact_id, counts in sorted(by_contact.items()):
        details = all_pages(
            emulator.api,
            f"/reports/contact_reports/{contact_id}/activity_details",
            "tracking_activities",
            tracking_activities_list=types,
        )
        mine = [d for d in details if d["campaign_activity_id"] == sent["activity_id"]]
        got = Counter(d["tracking_activity_type"].removeprefix("em_") for d in mine)
        assert got == Counter(counts), contact_id
        summary = emulator.api.get(
            f"/reports/contact_reports/{contact_id}/activity_summary", params=window
        ).json()
        (row,) = [
            a
            for a in summary["campaign_activities"]
            if a["campaign_activity_id"] == sent["activity_id"]
        ]
        for kind in ("sends", "opens", "clicks", "bounces"):
            assert row[f"em_{kind}"] == counts.get(kind, 0), (contact_id, kind)


def test_campaign_stats_and_open_click_rates_count_the_events(
    emulator: Any, sent: dict[str, Any]
) -> None:
    totals = sent["totals"]
    unique, rows = totals["unique"], totals["rows"]
    path = f"/reports/stats/email_campaigns/{sent['campaign_id']}"
    (result,) = emulator.api.get(path).json()["results"]
    stats = result["stats"]
    assert {kind: stats[f"em_{kind}"] for kind in KINDS} == {kind: unique[kind] for kind in KINDS}
    assert (stats["em_opens_all"], stats["em_clicks_all"]) == (rows["opens"], rows["clicks"])
    activity = f"/reports/stats/email_campaign_activities/{sent['activity_id']}"
    (by_activity,) = emulator.api.get(activity).json()["results"]
    assert stats == {key: by_activity["stats"][key] for key in stats}
    delivered = unique["sends"] - unique["bounces"]
    assert result["percents"]["open"] == round(100 * unique["opens"] / delivered, 1)
    assert result["percents"]["click"] == round(100 * unique["clicks"] / unique["opens"], 1)

    day = timedelta(days=2)
    window = {
        "start": (datetime.now(UTC) - day).isoformat(),
        "end": (datetime.now(UTC) + day).isoformat(),
    }
    for contact_id, counts in sorted(totals["by_contact"].items()):
        rates = emulator.api.get(
            f"/reports/contact_reports/{contact_id}/open_and_click_rates", params=window
        ).json()
        assert rates["included_activities_count"] == 1, contact_id
        assert rates["average_open_rate"] == (1.0 if counts.get("opens") else 0.0), contact_id
        assert rates["average_click_rate"] == (1.0 if counts.get("clicks") else 0.0), contact_id


def test_the_campaign_has_no_landing_page_or_sms_reports(
    emulator: Any, sent: dict[str, Any]
) -> None:
    landing = "/reports/landing_pages/campaign_details/{}/p_unique_contact_clicks"
    answer = emulator.api.get(landing.format(sent["activity_id"]))
    assert answer.status_code == 404
    assert "not a landing page" in answer.json()[0]["error_message"]
    sms = emulator.api.get(
        "/reports/summary_reports/sms_campaign_summaries",
        params={"start_at": (datetime.now(UTC) - timedelta(days=2)).isoformat()},
    ).json()
    assert sms["bulk_sms_campaign_summaries"] == []
    for contact_id in sorted(sent["recipients"])[:5]:  # e-mail only: no SMS consent history
        assert "sms_channel" not in emulator.contact(contact_id)
        history = emulator.api.get(f"/contacts/sms_engagement_history/{contact_id}")
        assert history.json() == []
