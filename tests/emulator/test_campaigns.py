"""Campaigns over HTTP: the send control, GET /emails, /emails/{id}, /emails/activities/{id}.

Every ``emulator.api`` response is also checked against the official spec by the fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from tests.support.campaigns import BUSY_RATES, all_pages, seed, send
from tests.support.conformance import conformance_hooks

from listbridge.emulator.testing import obtain_token


def _members(emulator: Any, list_id: str) -> list[dict[str, Any]]:
    return all_pages(emulator.api, "/contacts", "contacts", lists=list_id, limit=500)


def test_send_creates_a_done_campaign_with_primary_and_permalink_activities(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=40, lists=1, seed=3)["list_ids"][0]
    sent = send(emulator.control, [list_id])
    campaign = emulator.api.get(f"/emails/{sent['campaign_id']}").json()
    assert campaign["current_status"] == "Done"
    assert campaign["name"] == "Spring newsletter"
    roles = {a["role"]: a["campaign_activity_id"] for a in campaign["campaign_activities"]}
    assert roles.keys() == {"primary_email", "permalink"}
    assert roles["primary_email"] == sent["campaign_activity_id"]
    primary = emulator.api.get(f"/emails/activities/{roles['primary_email']}").json()
    assert primary["current_status"] == "DONE"
    assert primary["contact_list_ids"] == [list_id]
    assert primary["role"] == "primary_email"
    permalink = emulator.api.get(f"/emails/activities/{roles['permalink']}").json()
    assert permalink["role"] == "permalink"


def test_send_reaches_only_active_members(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=30, lists=1, seed=4)["list_ids"][0]
    members = _members(emulator, list_id)
    active = [m for m in members if m["email_address"]["permission_to_send"] != "unsubscribed"]
    gone, deleted = active[0]["contact_id"], active[1]["contact_id"]
    emulator.control.post(f"/contacts/{gone}/unsubscribe").raise_for_status()
    assert emulator.api.delete(f"/contacts/{deleted}").status_code == 204
    sent = send(emulator.control, [list_id], rates={"open": 0.0})
    assert sent["sends"] == len(active) - 2
    path = f"/reports/email_reports/{sent['campaign_activity_id']}/tracking/sends"
    recipients = {row["contact_id"] for row in all_pages(emulator.api, path, "tracking_activities")}
    assert gone not in recipients
    assert deleted not in recipients
    assert len(recipients) == sent["sends"]


def test_optouts_become_real_unsubscribes_by_the_contact(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=200, lists=1, seed=5)["list_ids"][0]
    before = emulator.api.get("/contacts/counts").json()["unsubscribed"]
    sent = send(emulator.control, [list_id])
    path = f"/reports/email_reports/{sent['campaign_activity_id']}/tracking/optouts"
    optouts = all_pages(emulator.api, path, "tracking_activities")
    assert optouts, "the busy rates must produce opt-outs"
    for row in optouts:
        contact = emulator.api.get(f"/contacts/{row['contact_id']}").json()
        email = contact["email_address"]
        assert email["permission_to_send"] == "unsubscribed"
        assert email["opt_out_source"] == "Contact"
        assert email["opt_out_date"] == row["created_time"]
        assert email["opt_out_reason"] == row["opt_out_reason"]
        assert contact["updated_at"] >= email["opt_out_date"]
    after = emulator.api.get("/contacts/counts").json()["unsubscribed"]
    assert after == before + len(optouts)


def test_optouts_are_found_by_an_incremental_pull(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=200, lists=1, seed=6)["list_ids"][0]
    first = _latest_update(emulator)
    sent = send(emulator.control, [list_id])
    path = f"/reports/email_reports/{sent['campaign_activity_id']}/tracking/optouts"
    opted = {row["contact_id"] for row in all_pages(emulator.api, path, "tracking_activities")}
    params = {"status": "unsubscribed", "updated_after": first, "limit": 500}
    pulled = {c["contact_id"] for c in all_pages(emulator.api, "/contacts", "contacts", **params)}
    assert opted
    assert opted <= pulled


def _latest_update(emulator: Any) -> str:
    contacts = all_pages(emulator.api, "/contacts", "contacts", status="all", limit=500)
    latest: str = max(c["updated_at"] for c in contacts)
    return latest


def _row_shapes(emulator: Any, activity_id: str) -> dict[str, list[tuple[Any, ...]]]:
    shapes = {}
    for kind in ("sends", "opens", "clicks", "forwards", "optouts", "bounces"):
        path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
        rows = all_pages(emulator.api, path, "tracking_activities")
        shapes[kind] = sorted(
            (r["contact_id"], r.get("device_type"), r.get("link_url"), r.get("bounce_code"))
            for r in rows
        )
    return shapes


def test_the_same_seed_gives_the_same_rows(emulator: Any) -> None:
    # No opt-outs, so the second send reaches exactly the recipients of the first.
    list_id = seed(emulator.control, contacts=120, lists=1, seed=8)["list_ids"][0]
    rates = {**BUSY_RATES, "optout": 0.0}
    shapes = [
        _row_shapes(
            emulator, send(emulator.control, [list_id], name, rates, 11)["campaign_activity_id"]
        )
        for name in ("First", "Second")
    ]
    assert shapes[0] == shapes[1]
    assert all(rows for kind, rows in shapes[0].items() if kind != "optouts")
    different = send(emulator.control, [list_id], "Third", rates, 12)["campaign_activity_id"]
    assert _row_shapes(emulator, different) != shapes[0]


def test_emails_are_paged_through_next_links(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=5, lists=1, seed=9)["list_ids"][0]
    ids = [send(emulator.control, [list_id], name=f"Issue {n}")["campaign_id"] for n in range(3)]
    listed = all_pages(emulator.api, "/emails", "campaigns", limit=1)
    assert [c["campaign_id"] for c in listed] == ids
    assert {c["current_status"] for c in listed} == {"Done"}


def test_after_and_before_date_filter_on_updated_at(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=5, lists=1, seed=10)["list_ids"][0]
    for n in range(3):
        send(emulator.control, [list_id], name=f"Issue {n}")
    campaigns = emulator.api.get("/emails").json()["campaigns"]
    middle = campaigns[1]["updated_at"]
    after = emulator.api.get("/emails", params={"after_date": middle}).json()["campaigns"]
    before = emulator.api.get("/emails", params={"before_date": middle}).json()["campaigns"]
    assert [c["name"] for c in after] == ["Issue 1", "Issue 2"]
    assert [c["name"] for c in before] == ["Issue 0", "Issue 1"]


def test_bad_email_queries_are_400_with_the_error_array(emulator: Any) -> None:
    for params in ({"limit": 0}, {"limit": 501}, {"after_date": "last week"}, {"cursor": "bogus"}):
        answer = emulator.api.get("/emails", params=params)
        assert answer.status_code == 400, params
        assert answer.json()[0]["error_key"]


def test_unknown_campaigns_and_activities_are_404(emulator: Any) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert emulator.api.get(f"/emails/{missing}").status_code == 404
    assert emulator.api.get(f"/emails/activities/{missing}").status_code == 404


def test_activity_includes(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=5, lists=1, seed=12)["list_ids"][0]
    activity_id = send(emulator.control, [list_id])["campaign_activity_id"]
    plain = emulator.api.get(f"/emails/activities/{activity_id}").json()
    assert "permalink_url" not in plain
    include = "physical_address_in_footer,permalink_url,html_content,document_properties"
    full = emulator.api.get(f"/emails/activities/{activity_id}", params={"include": include}).json()
    assert full["permalink_url"].startswith("https://")
    assert full["physical_address_in_footer"]["country_code"] == "US"
    assert "<html>" in full["html_content"]
    bad = emulator.api.get(f"/emails/activities/{activity_id}", params={"include": "everything"})
    assert bad.status_code == 400


def test_campaign_data_scope_is_required(emulator: Any) -> None:
    token = obtain_token(emulator.base_url, scope="contact_data")["access_token"]
    with emulator.client(token) as client:
        assert client.get("/emails").status_code == 403
    with emulator.client() as anonymous:
        answer = anonymous.get("/emails")
        assert answer.status_code == 401
        assert answer.json()["error_key"] == "unauthorized"


def test_send_control_refuses_bad_orders(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=3, lists=1, seed=13)["list_ids"][0]
    send(emulator.control, [list_id], name="Taken")
    missing = "00000000-0000-4000-8000-000000000000"
    cases = [
        ({"name": "Taken", "list_ids": [list_id]}, 409),
        ({"name": "No list", "list_ids": [missing]}, 404),
        ({"name": "Rates", "list_ids": [list_id], "rates": {"open": 1.5}}, 400),
        ({"name": "", "list_ids": [list_id]}, 400),
        ({"name": "x" * 81, "list_ids": [list_id]}, 400),
        ({"list_ids": [list_id]}, 400),
    ]
    for body, status in cases:
        answer = emulator.control.post("/campaigns/send", json=body)
        assert answer.status_code == status, body
        assert isinstance(answer.json(), list)
    second = emulator.api.post("/contact_lists", json={"name": "Retired"}).json()["list_id"]
    assert emulator.api.delete(f"/contact_lists/{second}").status_code == 202
    emulator.wait()
    deleted = emulator.control.post("/campaigns/send", json={"name": "Old", "list_ids": [second]})
    assert deleted.status_code == 404
    malformed = emulator.control.post(
        "/campaigns/send", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400


def test_seed_control_seeds_sent_campaigns(emulator: Any) -> None:
    created = seed(emulator.control, contacts=60, lists=2, campaigns=3, seed=14)
    assert len(created["campaign_ids"]) == 3
    listed = emulator.api.get("/emails").json()["campaigns"]
    assert [c["campaign_id"] for c in listed] == created["campaign_ids"]
    summaries = emulator.api.get("/reports/summary_reports/email_campaign_summaries").json()
    newest_first = [s["campaign_id"] for s in summaries["bulk_email_campaign_summaries"]]
    assert newest_first == created["campaign_ids"][::-1]
    assert all(s["unique_counts"]["sends"] > 0 for s in summaries["bulk_email_campaign_summaries"])


def test_controls_are_absent_without_testing_mode() -> None:
    from listbridge.emulator.config import EmulatorConfig
    from listbridge.emulator.testing import running_emulator

    with running_emulator(EmulatorConfig()) as base_url:
        body = {"name": "x", "list_ids": [], "rates": BUSY_RATES, "seed": 1}
        answer = httpx.post(f"{base_url}/__emulator__/campaigns/send", json=body)
        assert answer.status_code == 404


def test_campaigns_and_rows_survive_a_restart_with_a_state_file(tmp_path: Path) -> None:
    from listbridge.emulator.config import EmulatorConfig
    from listbridge.emulator.testing import running_emulator

    config = EmulatorConfig(auto_approve=True, state_file=tmp_path / "emulator.db")
    with (
        running_emulator(config) as base_url,
        httpx.Client(base_url=f"{base_url}/__emulator__") as control,
    ):
        list_id = seed(control, contacts=50, lists=1, seed=15)["list_ids"][0]
        sent = send(control, [list_id])
    with running_emulator(config) as base_url:
        token = obtain_token(base_url)["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        hooks = conformance_hooks()
        with httpx.Client(base_url=f"{base_url}/v3", headers=headers, event_hooks=hooks) as api:
            campaign = api.get(f"/emails/{sent['campaign_id']}").json()
            stats = api.get(
                f"/reports/stats/email_campaign_activities/{sent['campaign_activity_id']}"
            ).json()
    assert campaign["current_status"] == "Done"
    assert stats["results"][0]["stats"]["em_sends"] == sent["sends"]


def test_reset_forgets_campaigns_and_their_reports(emulator: Any) -> None:
    list_id = seed(emulator.control, contacts=10, lists=1, seed=16)["list_ids"][0]
    sent = send(emulator.control, [list_id])
    emulator.control.post("/reset").raise_for_status()
    assert emulator.api.get("/emails").json()["campaigns"] == []
    path = f"/reports/email_reports/{sent['campaign_activity_id']}/tracking/sends"
    assert emulator.api.get(path).status_code == 404
    summaries = emulator.api.get("/reports/summary_reports/email_campaign_summaries").json()
    assert summaries["bulk_email_campaign_summaries"] == []
