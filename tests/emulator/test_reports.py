"""Campaign reports over HTTP: stats, summaries, tracking rows, contact reports, account.

Every ``emulator.api`` response is also checked against the official spec by the fixture.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from tests.support.campaigns import all_pages, seed, send

from listbridge.emulator.testing import obtain_token

MISSING = "00000000-0000-4000-8000-000000000000"
KINDS = (
    "sends",
    "opens",
    "unique_opens",
    "didnotopens",
    "clicks",
    "forwards",
    "optouts",
    "bounces",
)
BOUNCES = {
    "B": "nonexistent_address",
    "D": "undeliverable",
    "F": "mailbox_full",
    "S": "suspended",
    "V": "vacation",
    "X": "other",
    "Z": "blocked",
}


@pytest.fixture
def sent(emulator: Any) -> dict[str, Any]:
    """A campaign sent to 300 contacts with every kind of engagement."""
    list_id = seed(emulator.control, contacts=300, lists=1, seed=21)["list_ids"][0]
    return send(emulator.control, [list_id], seed_value=5)


def rows(emulator: Any, activity_id: str, kind: str, **params: Any) -> list[dict[str, Any]]:
    path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
    return all_pages(emulator.api, path, "tracking_activities", **params)


def stats_of(emulator: Any, *ids: str) -> dict[str, Any]:
    answer = emulator.api.get(f"/reports/stats/email_campaign_activities/{','.join(ids)}")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_activity_stats_add_up(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    stats = stats_of(emulator, activity)["results"][0]["stats"]
    assert stats["em_sends"] == sent["sends"] > 250
    assert stats["em_not_opened"] == max(
        0, stats["em_sends"] - stats["em_opens"] - stats["em_bounces"]
    )
    for kind in ("opens", "clicks"):
        by_device = sum(
            stats[f"em_{kind}_all_{d}"] for d in ("computer", "mobile", "tablet", "other", "none")
        )
        assert by_device == stats[f"em_{kind}_all"] >= stats[f"em_{kind}"] > 0
    assert sum(stats[f"em_bounces_{name}"] for name in BOUNCES.values()) == stats["em_bounces"] > 0
    assert stats["em_forwards"] > 0
    assert stats["em_optouts"] > 0


def test_stats_match_the_tracking_rows(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    stats = stats_of(emulator, activity)["results"][0]["stats"]
    unique = {
        kind: len({r["contact_id"] for r in rows(emulator, activity, kind)}) for kind in KINDS
    }
    assert unique["sends"] == stats["em_sends"]
    assert unique["opens"] == unique["unique_opens"] == stats["em_opens"]
    assert len(rows(emulator, activity, "opens")) == stats["em_opens_all"]
    assert unique["clicks"] == stats["em_clicks"]
    assert unique["bounces"] == stats["em_bounces"]
    assert unique["optouts"] == stats["em_optouts"]
    assert unique["didnotopens"] == stats["em_not_opened"]
    codes = Counter(r["bounce_code"] for r in rows(emulator, activity, "bounces"))
    for code, name in BOUNCES.items():
        assert codes[code] == stats[f"em_bounces_{name}"]


def test_stats_report_missing_ids_in_errors_and_malformed_ids_as_404(
    emulator: Any, sent: dict[str, Any]
) -> None:
    campaign = emulator.api.get(f"/emails/{sent['campaign_id']}").json()
    permalink = next(a for a in campaign["campaign_activities"] if a["role"] == "permalink")
    body = stats_of(
        emulator, sent["campaign_activity_id"], MISSING, permalink["campaign_activity_id"]
    )
    assert [r["campaign_activity_id"] for r in body["results"]] == [sent["campaign_activity_id"]]
    assert len(body["errors"]) == 2
    assert all(e["error_key"] and e["error_message"] for e in body["errors"])
    malformed = f"/reports/stats/email_campaign_activities/{sent['campaign_activity_id']},nope"
    assert emulator.api.get(malformed).status_code == 404
    eleven = ",".join([MISSING] * 11)
    assert emulator.api.get(f"/reports/stats/email_campaign_activities/{eleven}").status_code == 400


def test_summaries_repeat_the_unique_counts(emulator: Any, sent: dict[str, Any]) -> None:
    page = emulator.api.get("/reports/summary_reports/email_campaign_summaries").json()
    summary = page["bulk_email_campaign_summaries"][0]
    stats = stats_of(emulator, sent["campaign_activity_id"])["results"][0]["stats"]
    assert summary["campaign_id"] == sent["campaign_id"]
    for name in ("sends", "opens", "clicks", "forwards", "optouts", "bounces", "not_opened"):
        assert summary["unique_counts"][name] == stats[f"em_{name}"]
    delivered = stats["em_sends"] - stats["em_bounces"]
    assert page["aggregate_percents"]["open"] == round(100 * stats["em_opens"] / delivered, 1)
    assert page["aggregate_percents"]["bounce"] == round(
        100 * stats["em_bounces"] / stats["em_sends"], 1
    )


def test_summaries_are_paged_newest_send_first(emulator: Any) -> None:
    created = seed(emulator.control, contacts=20, lists=1, campaigns=3, seed=22)
    path = "/reports/summary_reports/email_campaign_summaries"
    summaries = all_pages(emulator.api, path, "bulk_email_campaign_summaries", limit="1")
    assert [s["campaign_id"] for s in summaries] == created["campaign_ids"][::-1]
    dates = [s["last_sent_date"] for s in summaries]
    assert dates == sorted(dates, reverse=True)
    for limit in ("0", "501", "ten"):
        assert emulator.api.get(path, params={"limit": limit}).status_code == 400


@pytest.mark.parametrize("kind", KINDS)
def test_tracking_rows_come_newest_first_and_page_without_loss(
    emulator: Any, sent: dict[str, Any], kind: str
) -> None:
    activity = sent["campaign_activity_id"]
    whole = rows(emulator, activity, kind)
    times = [r["created_time"] for r in whole]
    assert times == sorted(times, reverse=True)
    assert whole, f"no {kind} rows"
    paged = rows(emulator, activity, kind, limit=7)
    assert paged == whole
    assert {r["campaign_activity_id"] for r in whole} == {activity}


def test_tracking_row_fields_per_kind(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    clicks = rows(emulator, activity, "clicks")
    assert all(r["link_url"].startswith("https://") and r["url_id"].isdigit() for r in clicks)
    assert {r["device_type"] for r in rows(emulator, activity, "opens")} <= {
        "computer",
        "mobile",
        "tablet",
        "other",
    }
    assert {r["bounce_code"] for r in rows(emulator, activity, "bounces")} <= set(BOUNCES)
    assert {r["tracking_activity_type"] for r in rows(emulator, activity, "didnotopens")} == {
        "em_didnotopens"
    }
    unique = rows(emulator, activity, "unique_opens")
    assert len({r["contact_id"] for r in unique}) == len(unique)


def test_clicks_filter_by_url_id_and_bounces_by_code(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    clicks = rows(emulator, activity, "clicks")
    url_id = clicks[0]["url_id"]
    one_link = rows(emulator, activity, "clicks", url_id=int(url_id))
    assert one_link == [r for r in clicks if r["url_id"] == url_id]
    bounces = rows(emulator, activity, "bounces")
    wanted = sorted({r["bounce_code"] for r in bounces})[:2]
    filtered = rows(emulator, activity, "bounces", bounce_code=wanted)
    assert filtered == [r for r in bounces if r["bounce_code"] in wanted]
    path = f"/reports/email_reports/{activity}/tracking"
    assert emulator.api.get(f"{path}/bounces", params={"bounce_code": "Q"}).status_code == 400
    assert emulator.api.get(f"{path}/clicks", params={"url_id": "abc"}).status_code == 400


def test_tracking_refuses_bad_limits_cursors_and_unknown_activities(
    emulator: Any, sent: dict[str, Any]
) -> None:
    path = f"/reports/email_reports/{sent['campaign_activity_id']}/tracking/sends"
    for params in ({"limit": "0"}, {"limit": "501"}, {"limit": "-3"}, {"cursor": "%%%"}):
        answer = emulator.api.get(path, params=params)
        assert answer.status_code == 400, params
        assert answer.json()[0]["error_message"]
    assert emulator.api.get(f"/reports/email_reports/{MISSING}/tracking/opens").status_code == 404
    assert emulator.api.get("/reports/email_reports/nope/tracking/opens").status_code == 404


def _engaged_contact(emulator: Any, activity: str) -> str:
    clickers = {r["contact_id"] for r in rows(emulator, activity, "clicks")}
    optouts = {r["contact_id"] for r in rows(emulator, activity, "optouts")}
    chosen: str = sorted(clickers - optouts)[0]
    return chosen


def test_contact_activity_details(emulator: Any, sent: dict[str, Any]) -> None:
    contact = _engaged_contact(emulator, sent["campaign_activity_id"])
    path = f"/reports/contact_reports/{contact}/activity_details"
    both = emulator.api.get(path, params={"tracking_activities_list": "em_sends,em_clicks"}).json()
    kinds = [r["tracking_activity_type"] for r in both["tracking_activities"]]
    assert sorted(set(kinds)) == ["em_clicks", "em_sends"]
    times = [r["created_time"] for r in both["tracking_activities"]]
    assert times == sorted(times, reverse=True)
    assert {r["campaign_activity_name"] for r in both["tracking_activities"]} == {
        "Spring newsletter"
    }
    repeated = emulator.api.get(path, params={"tracking_activity_type": ["em_sends", "em_clicks"]})
    assert repeated.json()["tracking_activities"] == both["tracking_activities"]
    bare = emulator.api.get(
        path,
        params={"tracking_activities_list": "em_opens", "include_campaign_activity_names": "false"},
    ).json()
    assert bare["tracking_activities"]
    assert all("campaign_activity_name" not in r for r in bare["tracking_activities"])


def test_contact_activity_details_refuses_bad_queries(emulator: Any, sent: dict[str, Any]) -> None:
    contact = _engaged_contact(emulator, sent["campaign_activity_id"])
    path = f"/reports/contact_reports/{contact}/activity_details"
    bad = [
        {},
        {"tracking_activities_list": "em_sends", "tracking_activity_type": "em_opens"},
        {"tracking_activities_list": "em_everything"},
        {"tracking_activities_list": "em_sends", "limit": "101"},
    ]
    for params in bad:
        assert emulator.api.get(path, params=params).status_code == 400, params
    unknown = f"/reports/contact_reports/{MISSING}/activity_details"
    assert (
        emulator.api.get(unknown, params={"tracking_activities_list": "em_sends"}).status_code
        == 404
    )


def test_contact_activity_summary(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    contact = _engaged_contact(emulator, activity)
    path = f"/reports/contact_reports/{contact}/activity_summary"
    window = {"start": "2000-01-01T00:00:00Z", "end": "2999-01-01T00:00:00Z"}
    summary = emulator.api.get(path, params=window).json()
    assert summary["contact_id"] == contact
    [entry] = summary["campaign_activities"]
    assert entry["campaign_activity_id"] == activity
    assert entry["em_sends"] == 1
    assert entry["em_clicks"] >= 1
    assert entry["em_opens"] >= 1
    assert entry["em_unsubscribes"] == 0
    early = {"start": "2000-01-01T00:00:00Z", "end": "2001-01-01T00:00:00Z"}
    assert emulator.api.get(path, params=early).json()["campaign_activities"] == []
    assert emulator.api.get(path, params={"start": "2000-01-01"}).status_code == 400
    assert emulator.api.get(path, params={"start": "soon", "end": "later"}).status_code == 400


def test_contact_reports_need_contact_data(emulator: Any, sent: dict[str, Any]) -> None:
    token = obtain_token(emulator.base_url, scope="campaign_data")["access_token"]
    contact = _engaged_contact(emulator, sent["campaign_activity_id"])
    path = f"/reports/contact_reports/{contact}/activity_details"
    with emulator.client(token) as client:
        answer = client.get(path, params={"tracking_activities_list": "em_sends"})
        assert answer.status_code == 403
        stats = client.get(
            f"/reports/stats/email_campaign_activities/{sent['campaign_activity_id']}"
        )
        assert stats.status_code == 200


def test_account_summary(emulator: Any) -> None:
    summary = emulator.api.get("/account/summary").json()
    for key in (
        "organization_name",
        "first_name",
        "last_name",
        "contact_email",
        "encoded_account_id",
    ):
        assert summary[key]
    assert summary["time_zone_id"] == "US/Eastern"
    assert "physical_address" not in summary
    full = emulator.api.get(
        "/account/summary", params={"extra_fields": "physical_address,company_logo"}
    )
    assert full.json()["physical_address"]["country_code"] == "US"
    assert full.json()["company_logo"]["url"]
    assert (
        emulator.api.get("/account/summary", params={"extra_fields": "secrets"}).status_code == 400
    )


def test_account_summary_needs_account_read(emulator: Any) -> None:
    token = obtain_token(emulator.base_url, scope="contact_data campaign_data")["access_token"]
    with emulator.client(token) as client:
        assert client.get("/account/summary").status_code == 403


def test_user_privileges_need_only_a_valid_token(emulator: Any) -> None:
    token = obtain_token(emulator.base_url, scope="contact_data")["access_token"]
    with emulator.client(token) as client:
        privileges = client.get("/account/user/privileges").json()
    names = {p["privilege_name"] for p in privileges}
    assert {
        "contacts:write",
        "contacts:lists:write",
        "campaign:read",
        "ui:campaign:metrics",
    } <= names
    assert len({p["privilege_id"] for p in privileges}) == len(privileges)
    with emulator.client() as anonymous:
        assert anonymous.get("/account/user/privileges").status_code == 401


def test_links_report_counts_unique_clickers_per_link(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    clicks = rows(emulator, activity, "clicks")
    expected: dict[str, set[str]] = {}
    for row in clicks:
        expected.setdefault(row["url_id"], set()).add(row["contact_id"])
    report = emulator.api.get(f"/reports/email_reports/{activity}/links").json()
    assert report["campaign_activity_id"] == activity
    counted = {c["url_id"]: c["unique_clicks"] for c in report["link_click_counts"]}
    assert counted == {url_id: len(who) for url_id, who in expected.items()}
    every = emulator.api.get(f"/reports/email_reports/{activity}/links", params={"no_clicks": True})
    assert len(every.json()["link_click_counts"]) == 3
    assert emulator.api.get(f"/reports/email_reports/{MISSING}/links").status_code == 404
