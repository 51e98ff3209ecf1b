"""The campaign stats, open/click rates, landing-page and SMS reports (issue 22).

Every ``emulator.api`` response is checked against the official spec by the fixture, so
each answer below is also a schema-valid D:CampaignStatsQueryResultEmail,
D:ContactOpenAndClickRates, D:SmsCampaignSummariesPage or the error array.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from tests.support.campaign_api import (
    send_scheduled,
    sent_with_resend,
)
from tests.support.campaigns import BUSY_RATES, all_pages, seed, send

from listbridge.emulator.campaign_send import Rates, SendOrder, send_campaign
from listbridge.emulator.routes.landing_page_reports import REPORTS as LANDING_REPORTS

MISSING = "00000000-0000-4000-8000-000000000000"
DEVICES = ("computer", "mobile", "tablet", "other", "none")
YEAR_US = 365 * 24 * 3600 * 1_000_000
BUSY = Rates(open=0.5, click=0.2, forward=0.1, bounce=0.1, optout=0.05)


@pytest.fixture
def two_sends(emulator: Any) -> dict[str, Any]:
    """Two campaigns to one list of 120: one an hour ago, one two years ago."""
    list_id = seed(emulator.control, contacts=120, lists=1, seed=3)["list_ids"][0]
    recent = send(emulator.control, [list_id], name="Recent", seed_value=11)
    state = emulator.state
    order = SendOrder("Old", (list_id,), BUSY, seed=12, sent_at=state.now() - 2 * YEAR_US)
    old = send_campaign(state, order)
    return {
        "list_id": list_id,
        "recent": recent,
        "old": {"campaign_id": old.campaign_id, "campaign_activity_id": old.campaign_activity_id},
    }


def _rows(emulator: Any, activity_id: str, kind: str) -> list[dict[str, Any]]:
    path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
    return all_pages(emulator.api, path, "tracking_activities")


def _campaign_stats(emulator: Any, *ids: str) -> dict[str, Any]:
    answer = emulator.api.get(f"/reports/stats/email_campaigns/{','.join(ids)}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_campaign_stats_equal_the_activity_stats_and_the_rows(
    emulator: Any, two_sends: dict[str, Any]
) -> None:
    sent = two_sends["recent"]
    activity = sent["campaign_activity_id"]
    [result] = _campaign_stats(emulator, sent["campaign_id"])["results"]
    assert result["campaign_id"] == sent["campaign_id"]
    stats = result["stats"]
    by_activity = emulator.api.get(f"/reports/stats/email_campaign_activities/{activity}").json()
    activity_stats = by_activity["results"][0]["stats"]
    assert stats == {key: activity_stats[key] for key in stats}
    assert "em_abuse" not in stats  # D:StatsEmail has no abuse count
    assert "em_bounces_other" not in stats  # and no bounce breakdown

    kinds = ("sends", "opens", "clicks", "forwards", "bounces", "optouts")
    rows = {kind: _rows(emulator, activity, kind) for kind in kinds}
    for kind, found in rows.items():
        assert stats[f"em_{kind}"] == len({r["contact_id"] for r in found}), kind
    for kind in ("opens", "clicks"):
        assert stats[f"em_{kind}_all"] == len(rows[kind]) >= stats[f"em_{kind}"] > 0
        for device in DEVICES:
            on_device = [r for r in rows[kind] if r.get("device_type", "none") == device]
            assert stats[f"em_{kind}_all_{device}"] == len(on_device), (kind, device)
    assert stats["em_sends"] == sent["sends"] > 100
    assert stats["em_not_opened"] == stats["em_sends"] - stats["em_opens"] - stats["em_bounces"]

    delivered = stats["em_sends"] - stats["em_bounces"]
    percents = result["percents"]
    assert percents["open"] == round(100 * stats["em_opens"] / delivered, 1)
    assert percents["click"] == round(100 * stats["em_clicks"] / stats["em_opens"], 1)
    assert percents["did_not_open"] == round(100 * stats["em_not_opened"] / delivered, 1)
    assert percents["bounce"] == round(100 * stats["em_bounces"] / stats["em_sends"], 1)
    assert percents["unsubscribe"] == round(100 * stats["em_optouts"] / delivered, 1)
    mobile = stats["em_opens_all_mobile"] + stats["em_opens_all_tablet"]
    assert percents["mobile_open"] == round(100 * mobile / stats["em_opens_all"], 1)
    computer = stats["em_clicks_all_computer"]
    assert percents["desktop_click"] == round(100 * computer / stats["em_clicks_all"], 1)


def test_campaign_stats_follow_later_engagement(emulator: Any, two_sends: dict[str, Any]) -> None:
    campaign = two_sends["recent"]["campaign_id"]
    before = _campaign_stats(emulator, campaign)["results"][0]["stats"]
    later = emulator.control.post(f"/campaigns/{campaign}/activity", json={"seed": 4})
    later.raise_for_status()
    added = later.json()["added"]
    after = _campaign_stats(emulator, campaign)["results"][0]["stats"]
    assert after["em_opens_all"] == before["em_opens_all"] + added["opens"] > before["em_opens_all"]
    assert after["em_clicks_all"] == before["em_clicks_all"] + added["clicks"]
    totals = emulator.control.get(f"/campaigns/{campaign}/totals", params={"by_contact": "false"})
    assert after["em_opens"] == totals.json()["unique"]["opens"]


def test_campaign_stats_ids_errors_and_limits(emulator: Any, two_sends: dict[str, Any]) -> None:
    recent, old = two_sends["recent"]["campaign_id"], two_sends["old"]["campaign_id"]
    both = _campaign_stats(emulator, recent, MISSING, old, recent)
    assert [r["campaign_id"] for r in both["results"]] == [recent, old]  # asked twice, once
    [error] = both["errors"]
    assert MISSING in error["error_message"]
    malformed = emulator.api.get(f"/reports/stats/email_campaigns/{recent},not-a-uuid")
    assert malformed.status_code == 404  # any invalid id: 404 for all
    assert "not-a-uuid" in malformed.json()[0]["error_message"]
    too_many = ",".join([MISSING] * 151)
    answer = emulator.api.get(f"/reports/stats/email_campaigns/{too_many}")
    assert answer.status_code == 400
    assert "150" in answer.json()[0]["error_message"]
    assert len(_campaign_stats(emulator, ",".join([MISSING] * 150))["errors"]) == 1


def _iso(micros: int, zone: str = "Z") -> str:
    moment = datetime.fromtimestamp(micros / 1e6, UTC)
    if zone != "Z":
        moment = moment.astimezone(timezone(-timedelta(hours=5)))
        return moment.strftime("%Y-%m-%dT%H:%M:%S%z")  # ±hhmm, as the spec's example
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rates(emulator: Any, contact: str, start: str, end: str) -> Any:
    path = f"/reports/contact_reports/{contact}/open_and_click_rates"
    return emulator.api.get(path, params={"start": start, "end": end})


def test_open_and_click_rates_equal_the_contacts_rows(
    emulator: Any, two_sends: dict[str, Any]
) -> None:
    activities = {name: two_sends[name]["campaign_activity_id"] for name in ("recent", "old")}
    who = {
        (name, kind): {r["contact_id"] for r in _rows(emulator, activity, kind)}
        for name, activity in activities.items()
        for kind in ("sends", "opens", "clicks")
    }
    contacts = sorted(who["recent", "sends"] | who["old", "sends"])
    now = emulator.state.now()
    windows = {  # which campaigns each window includes (old: two years ago)
        ("recent",): (_iso(now - YEAR_US), _iso(now + YEAR_US)),
        ("old",): (_iso(now - 3 * YEAR_US), _iso(now - YEAR_US, "-05:00")),
        ("recent", "old"): (_iso(now - 4 * YEAR_US), _iso(now + YEAR_US)),
    }
    seen_rates = set()
    for names, (start, end) in windows.items():
        for contact in contacts[:40]:
            answer = _rates(emulator, contact, start, end)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            sent = [n for n in names if contact in who[n, "sends"]]
            opened = [n for n in sent if contact in who[n, "opens"]]
            clicked = [n for n in sent if contact in who[n, "clicks"]]
            assert body == {
                "contact_id": contact,
                "included_activities_count": len(sent),
                "average_open_rate": len(opened) / len(sent) if sent else 0.0,
                "average_click_rate": len(clicked) / len(sent) if sent else 0.0,
            }, (names, contact)
            seen_rates.add(body["average_open_rate"])
    assert {0.0, 0.5, 1.0} <= seen_rates  # the windows and contacts cover every case


def test_open_and_click_rates_agree_with_the_activity_summary(
    emulator: Any, two_sends: dict[str, Any]
) -> None:
    contact = next(
        iter(
            {
                r["contact_id"]
                for r in _rows(emulator, two_sends["old"]["campaign_activity_id"], "clicks")
            }
        )
    )
    now = emulator.state.now()
    window = {"start": _iso(now - 4 * YEAR_US), "end": _iso(now + YEAR_US)}
    summary = emulator.api.get(
        f"/reports/contact_reports/{contact}/activity_summary", params=window
    ).json()["campaign_activities"]
    rates = _rates(emulator, contact, window["start"], window["end"]).json()
    sent = [s for s in summary if s["em_sends"]]
    assert rates["included_activities_count"] == len(sent) == 2
    assert rates["average_open_rate"] == sum(1 for s in sent if s["em_opens"]) / 2
    assert rates["average_click_rate"] == sum(1 for s in sent if s["em_clicks"]) / 2 >= 0.5


def test_open_and_click_rates_refusals(emulator: Any, two_sends: dict[str, Any]) -> None:
    contact = emulator.new_contact("never@example.org")["contact_id"]
    nothing = _rates(emulator, contact, "2020-01-01T00:00:00Z", "2024-12-31T00:00:00Z")
    assert nothing.json() == {
        "contact_id": contact,
        "included_activities_count": 0,
        "average_open_rate": 0.0,
        "average_click_rate": 0.0,
    }
    five_years = _rates(emulator, contact, "2020-02-29T00:00:00Z", "2025-02-28T00:00:00Z")
    assert five_years.status_code == 200
    over = _rates(emulator, contact, "2020-02-29T00:00:00Z", "2025-02-28T00:00:01Z")
    assert over.status_code == 400
    assert "5 years" in over.json()[0]["error_message"]
    backwards = _rates(emulator, contact, "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z")
    assert backwards.status_code == 400
    assert "before" in backwards.json()[0]["error_message"]
    assert _rates(emulator, contact, "soon", "2023-01-01T00:00:00Z").status_code == 400
    earliest = _rates(emulator, contact, "0001-01-01T00:00:00+01:00", "0005-12-31T00:00:00Z")
    assert earliest.json()["included_activities_count"] == 0  # before year 1 in UTC: no 500
    latest = _rates(emulator, contact, "9998-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00")
    assert latest.json()["included_activities_count"] == 0
    path = f"/reports/contact_reports/{contact}/open_and_click_rates"
    assert emulator.api.get(path, params={"start": "2023-01-01"}).status_code == 400
    assert _rates(emulator, MISSING, "2023-01-01", "2024-01-01").status_code == 404


@pytest.mark.parametrize("report", LANDING_REPORTS)
def test_landing_page_reports_find_no_landing_page(
    emulator: Any, two_sends: dict[str, Any], report: str
) -> None:
    activity = two_sends["recent"]["campaign_activity_id"]
    base = "/reports/landing_pages/campaign_details/{}/" + report
    email = emulator.api.get(
        base.format(activity), params={"limit": "500", "contacts_filter": "Jo"}
    )
    assert email.status_code == 404
    assert "not a landing page" in email.json()[0]["error_message"]
    assert activity in email.json()[0]["error_message"]
    assert emulator.api.get(base.format(MISSING)).status_code == 404
    assert emulator.api.get(base.format("not-a-uuid")).status_code == 400
    for limit in ("0", "501", "ten"):
        answer = emulator.api.get(base.format(activity), params={"limit": limit})
        assert answer.status_code == 400
        assert "limit" in answer.json()[0]["error_message"]


def test_sms_campaign_summaries_are_an_empty_page(emulator: Any, two_sends: dict[str, Any]) -> None:
    path = "/reports/summary_reports/sms_campaign_summaries"
    for params in (
        {"start_at": "2023-01-27T21:56:37.011Z"},
        {"start_at": "2023-01-27T21:56:37.011Z", "end_at": "2027-01-27T21:56:37Z", "limit": "1"},
        {"start_at": "2023-01-27", "limit": "50"},
    ):
        answer = emulator.api.get(path, params=params)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "bulk_sms_campaign_summaries": [],
            "aggregate_percents": {"deliver": 0.0, "click": 0.0, "bounce": 0.0, "unsubscribe": 0.0},
            "_links": {},
        }
    refused = [
        ({}, "start_at"),
        ({"start_at": "yesterday"}, "start_at"),
        ({"start_at": "2024-01-01", "end_at": "2023-01-01"}, "end_at"),
        ({"start_at": "2024-01-01", "limit": "51"}, "limit"),
        ({"start_at": "2024-01-01", "limit": "0"}, "limit"),
    ]
    for params, word in refused:
        answer = emulator.api.get(path, params=params)
        assert answer.status_code == 400, params
        assert word in answer.json()[0]["error_message"], params


def test_campaign_stats_agree_with_the_campaign_summaries(
    emulator: Any, two_sends: dict[str, Any]
) -> None:
    ids = [two_sends[name]["campaign_id"] for name in ("recent", "old")]
    results = _campaign_stats(emulator, *ids)["results"]
    summaries = all_pages(
        emulator.api,
        "/reports/summary_reports/email_campaign_summaries",
        "bulk_email_campaign_summaries",
    )
    assert [s["campaign_id"] for s in summaries] == ids  # most recently sent first
    for result, summary in zip(results, summaries, strict=True):
        counts, stats = summary["unique_counts"], result["stats"]
        for kind in ("sends", "opens", "clicks", "forwards", "optouts", "bounces", "not_opened"):
            assert counts[kind] == stats[f"em_{kind}"], kind


def test_a_sent_resend_adds_to_the_campaign_figures(emulator: Any) -> None:
    campaign_id, primary, resend = sent_with_resend(emulator.api, emulator.control)
    send_scheduled(emulator.control, resend, BUSY_RATES, seed=2)

    [result] = _campaign_stats(emulator, campaign_id)["results"]
    both = emulator.api.get(f"/reports/stats/email_campaign_activities/{primary},{resend}")
    per_activity = [r["stats"] for r in both.json()["results"]]
    assert len(per_activity) == 2
    assert all(stats["em_sends"] > 0 for stats in per_activity)
    assert result["stats"] == {key: sum(s[key] for s in per_activity) for key in result["stats"]}
    summaries = all_pages(
        emulator.api,
        "/reports/summary_reports/email_campaign_summaries",
        "bulk_email_campaign_summaries",
    )
    (summary,) = [s for s in summaries if s["campaign_id"] == campaign_id]
    for kind, count in summary["unique_counts"].items():
        if kind != "abuse":
            assert count == result["stats"][f"em_{kind}"], kind

    # a contact the resend reached was sent two e-mails of the campaign
    resent = {r["contact_id"] for r in _rows(emulator, resend, "sends")}
    opened_resend = {r["contact_id"] for r in _rows(emulator, resend, "opens")}
    contact = sorted(resent)[0]
    now = emulator.state.now()
    rates = _rates(emulator, contact, _iso(now - YEAR_US), _iso(now + YEAR_US)).json()
    assert rates["included_activities_count"] == 2
    assert rates["average_open_rate"] == (0.5 if contact in opened_resend else 0.0)
