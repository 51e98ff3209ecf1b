"""Later engagement with a sent campaign (``/__emulator__/campaigns/{id}/activity``) and the
emulator's own totals (``/__emulator__/campaigns/{id}/totals``).

Every ``emulator.api`` response is also checked against the official spec by the fixture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.support.campaigns import BUSY_RATES, all_pages, seed, send
from tests.support.conformance import conformance_hooks

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.tokens import TokenSet

MISSING = "00000000-0000-4000-8000-000000000000"
ROW_KINDS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")
ADDED_KINDS = ("opens", "clicks", "forwards", "optouts")
LATER = {"open": 0.3, "click": 0.15, "forward": 0.08, "optout": 0.05}


@pytest.fixture
def sent(emulator: Any) -> dict[str, Any]:
    list_id = seed(emulator.control, contacts=300, lists=1, seed=31)["list_ids"][0]
    return send(emulator.control, [list_id], seed_value=9)


def later(emulator: Any, campaign_id: str, rates: dict[str, float], seed_value: int) -> Any:
    body = {"rates": rates, "seed": seed_value}
    answer = emulator.control.post(f"/campaigns/{campaign_id}/activity", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def rows(emulator: Any, activity_id: str, kind: str) -> list[dict[str, Any]]:
    path = f"/reports/email_reports/{activity_id}/tracking/{kind}"
    return all_pages(emulator.api, path, "tracking_activities")


def stats(emulator: Any, activity_id: str) -> dict[str, int]:
    answer = emulator.api.get(f"/reports/stats/email_campaign_activities/{activity_id}")
    assert answer.status_code == 200
    found: dict[str, int] = answer.json()["results"][0]["stats"]
    return found


def test_later_rows_come_on_top_strictly_newer_than_the_send(
    emulator: Any, sent: dict[str, Any]
) -> None:
    activity = sent["campaign_activity_id"]
    before = {kind: rows(emulator, activity, kind) for kind in ROW_KINDS}
    newest = max(r["created_time"] for found in before.values() for r in found)
    answer = later(emulator, sent["campaign_id"], LATER, 4)
    assert answer["campaign_id"] == sent["campaign_id"]
    assert answer["campaign_activity_id"] == activity
    assert set(answer["added"]) == set(ADDED_KINDS)
    assert all(answer["added"][kind] > 0 for kind in ADDED_KINDS), answer
    for kind in ROW_KINDS:
        after = rows(emulator, activity, kind)
        added = answer["added"].get(kind, 0)
        times = [r["created_time"] for r in after]
        assert times == sorted(times, reverse=True)  # still newest first
        assert all(t > newest for t in times[:added])
        assert after[added:] == before[kind]  # the older rows are untouched, below the new


def test_clicks_come_from_openers_on_the_campaigns_links(
    emulator: Any, sent: dict[str, Any]
) -> None:
    activity = sent["campaign_activity_id"]
    links = {(r["url_id"], r["link_url"]) for r in rows(emulator, activity, "clicks")}
    added = later(emulator, sent["campaign_id"], LATER, 5)["added"]
    opened = {r["contact_id"] for r in rows(emulator, activity, "opens")[: added["opens"]]}
    clicks = rows(emulator, activity, "clicks")[: added["clicks"]]
    assert {r["contact_id"] for r in clicks} <= opened
    assert {(r["url_id"], r["link_url"]) for r in clicks} <= links


def test_stats_counters_grow_by_the_rows_added(emulator: Any, sent: dict[str, Any]) -> None:
    activity = sent["campaign_activity_id"]
    first = stats(emulator, activity)
    added = later(emulator, sent["campaign_id"], LATER, 6)["added"]
    second = stats(emulator, activity)
    assert second["em_sends"] == first["em_sends"]
    assert second["em_bounces"] == first["em_bounces"]
    assert second["em_opens_all"] == first["em_opens_all"] + added["opens"]
    assert second["em_clicks_all"] == first["em_clicks_all"] + added["clicks"]
    assert second["em_opens"] > first["em_opens"]
    assert second["em_forwards"] > first["em_forwards"]
    # nobody opts out twice, so each opt-out row is a new unique one
    assert second["em_optouts"] == first["em_optouts"] + added["optouts"]
    assert second["em_not_opened"] == second["em_sends"] - second["em_opens"] - second["em_bounces"]


def test_derived_reports_are_recomputed_after_new_opens(
    emulator: Any, sent: dict[str, Any]
) -> None:
    activity = sent["campaign_activity_id"]
    not_opened = {r["contact_id"] for r in rows(emulator, activity, "didnotopens")}
    rows(emulator, activity, "unique_opens")  # both reports are now cached by the emulator
    added = later(emulator, sent["campaign_id"], LATER, 7)["added"]
    new_opens = rows(emulator, activity, "opens")[: added["opens"]]
    latest = {}
    for row in reversed(new_opens):  # oldest first, so the newest open of a contact wins
        latest[row["contact_id"]] = row["created_time"]
    assert not_opened & latest.keys(), "some who had not opened must open now"
    still_not = {r["contact_id"] for r in rows(emulator, activity, "didnotopens")}
    assert still_not == not_opened - latest.keys()
    unique = {r["contact_id"]: r["created_time"] for r in rows(emulator, activity, "unique_opens")}
    assert all(unique[c] == t for c, t in latest.items())


def test_optouts_are_real_unsubscribes_of_subscribed_contacts(
    emulator: Any, sent: dict[str, Any]
) -> None:
    activity = sent["campaign_activity_id"]
    earlier = {r["contact_id"] for r in rows(emulator, activity, "optouts")}
    unsubscribed = emulator.api.get("/contacts/counts").json()["unsubscribed"]
    added = later(emulator, sent["campaign_id"], {**LATER, "optout": 0.3}, 8)["added"]
    new = rows(emulator, activity, "optouts")[: added["optouts"]]
    assert new
    assert not earlier & {r["contact_id"] for r in new}
    for row in new:
        email = emulator.contact(row["contact_id"], include="list_memberships")["email_address"]
        assert email["permission_to_send"] == "unsubscribed"
        assert email["opt_out_source"] == "Contact"
        assert email["opt_out_date"] == row["created_time"]
    after = emulator.api.get("/contacts/counts").json()["unsubscribed"]
    assert after == unsubscribed + len(new)


def test_the_same_seed_gives_the_same_rows(emulator: Any) -> None:
    # No opt-outs anywhere, so both campaigns keep exactly the same delivered recipients.
    list_id = seed(emulator.control, contacts=150, lists=1, seed=32)["list_ids"][0]
    quiet = {**BUSY_RATES, "optout": 0.0}
    twins = [send(emulator.control, [list_id], name, quiet, 12) for name in ("One", "Two")]
    rates = {**LATER, "optout": 0.0}
    shapes = [_new_rows(emulator, s, rates, 3) for s in twins]
    assert shapes[0] == shapes[1]
    assert all(shapes[0][kind] for kind in ("opens", "clicks", "forwards"))
    assert _new_rows(emulator, twins[0], rates, 4) != shapes[0]


def _new_rows(
    emulator: Any, sent: dict[str, Any], rates: dict[str, float], seed_value: int
) -> dict[str, list[tuple[Any, ...]]]:
    added = later(emulator, sent["campaign_id"], rates, seed_value)["added"]
    shapes = {}
    for kind in ADDED_KINDS:
        new = rows(emulator, sent["campaign_activity_id"], kind)[: added[kind]]
        shapes[kind] = sorted(
            (r["contact_id"], r.get("device_type"), r.get("link_url"), r.get("url_id")) for r in new
        )
    return shapes


def test_unknown_campaigns_are_404_and_bad_bodies_400(emulator: Any, sent: dict[str, Any]) -> None:
    for answer in (
        emulator.control.post(f"/campaigns/{MISSING}/activity", json={}),
        emulator.control.get(f"/campaigns/{MISSING}/totals"),
    ):
        assert answer.status_code == 404
        assert answer.json()[0]["error_key"] == "contacts.api.not.found"
    path = f"/campaigns/{sent['campaign_id']}/activity"
    for body in ({"rates": {"open": 1.5}}, {"rates": {"bounce": 0.1}}, {"seed": "x"}):
        assert emulator.control.post(path, json=body).status_code == 400, body
    defaults = emulator.control.post(path)  # every field is optional
    assert defaults.status_code == 200
    assert defaults.json()["added"]["opens"] > 0


def test_controls_are_absent_without_testing_mode() -> None:
    from listbridge.emulator.config import EmulatorConfig
    from listbridge.emulator.testing import running_emulator

    with running_emulator(EmulatorConfig()) as base_url:
        control = f"{base_url}/__emulator__/campaigns/{MISSING}"
        assert httpx.post(f"{control}/activity", json={}).status_code == 404
        assert httpx.get(f"{control}/totals").status_code == 404
        assert "not found" in httpx.get(f"{control}/totals").text.lower()


@pytest.fixture
def client(emulator: Any) -> Iterator[ConstantContact]:
    """Our own client on the emulator's token, every exchange held to the spec."""
    now = datetime.now(UTC)
    token = emulator.token
    tokens = TokenSet(
        token["access_token"],
        token.get("refresh_token"),
        now,
        now + timedelta(seconds=token["expires_in"]),
    )
    config = ClientConfig(
        client_id="listbridge-tests",
        api_base=f"{emulator.base_url}/v3",
        auth_base=f"{emulator.base_url}/oauth2/default/v1",
    )
    session = ApiSession(
        config, MemoryVault(tokens), event_hooks=conformance_hooks(), limiter=Limiter(200.0)
    )
    cc = ConstantContact(session)
    yield cc
    cc.close()


def test_totals_agree_with_the_reports_read_by_the_client(
    emulator: Any, client: ConstantContact
) -> None:
    # More than one 500-row page of sends, so the client's paging is part of the check.
    list_id = seed(emulator.control, contacts=700, lists=1, seed=33)["list_ids"][0]
    sent = send(emulator.control, [list_id], seed_value=10)
    later(emulator, sent["campaign_id"], LATER, 11)
    totals = emulator.control.get(f"/campaigns/{sent['campaign_id']}/totals").json()
    assert totals["campaign_activity_id"] == sent["campaign_activity_id"]
    per_contact: dict[str, Counter[str]] = {}
    for kind in ROW_KINDS:
        read = list(client.reports.iter_tracking(sent["campaign_activity_id"], kind))
        assert totals["rows"][kind] == len(read), kind
        assert totals["unique"][kind] == len({r.contact_id for r in read}), kind
        for row in read:
            per_contact.setdefault(row.contact_id, Counter())[kind] += 1
    assert totals["rows"]["sends"] == sent["sends"] > 500
    assert totals["by_contact"] == {c: dict(counts) for c, counts in per_contact.items()}
    slim = emulator.control.get(
        f"/campaigns/{sent['campaign_id']}/totals", params={"by_contact": "false"}
    ).json()
    assert "by_contact" not in slim
    assert slim["rows"] == totals["rows"]
