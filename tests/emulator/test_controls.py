"""The /__emulator__/ controls (design.md's table), faults and rate limits."""

from __future__ import annotations

import time

import httpx
from tests.emulator.conftest import DEFAULT_CONFIG, started

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.testing import running_emulator

EMPTY_COUNTERS = {
    "total": 0,
    "by_endpoint": {},
    "by_second": {},
    "too_many_requests": 0,
    "faults": {},
}


def test_seed_is_deterministic_and_realistic(emulator) -> None:
    body = {"contacts": 200, "lists": 3, "custom_fields": 2, "seed": 42}
    first = emulator.control.post("/seed", json=body).json()
    assert len(first["contact_ids"]) == 200
    assert len(first["list_ids"]) == 3
    assert len(first["custom_field_ids"]) == 2
    rows = emulator.api.get("/contacts", params={"limit": 500, "status": "all"}).json()["contacts"]
    emails = [r["email_address"]["address"] for r in rows]
    assert all(e.split("@")[1].endswith((".org", ".com", ".net")) for e in emails)
    assert all(r.get("first_name") and r.get("last_name") for r in rows)
    unsubscribed = [r for r in rows if r["email_address"]["permission_to_send"] == "unsubscribed"]
    assert 0 < len(unsubscribed) < 40
    emulator.control.post("/reset").raise_for_status()
    again = emulator.control.post("/seed", json=body).json()
    assert again == first
    rows_again = emulator.api.get("/contacts", params={"limit": 500, "status": "all"}).json()[
        "contacts"
    ]
    assert [r["email_address"]["address"] for r in rows_again] == emails


def test_reset_empties_everything(emulator) -> None:
    emulator.control.post("/seed", json={"contacts": 5, "lists": 2, "seed": 1})
    emulator.control.post("/reset").raise_for_status()
    assert emulator.control.get("/counters").json() == EMPTY_COUNTERS
    assert emulator.api.get("/contacts").json()["contacts"] == []
    assert emulator.api.get("/contact_lists").json()["lists"] == []
    assert emulator.control.get("/tokens").json()["access_tokens"], "the connection survives"


def test_counters_are_keyed_by_method_and_route_template(emulator) -> None:
    list_id = emulator.new_list("News")
    contact = emulator.new_contact("a@example.org")
    emulator.api.get(f"/contacts/{contact['contact_id']}")
    emulator.api.get(f"/contacts/{contact['contact_id']}")
    emulator.api.post(
        "/activities/contacts_json_import", json={"list_ids": [list_id], "import_data": []}
    )
    counters = emulator.control.get("/counters").json()
    assert counters["by_endpoint"] == {
        "POST /v3/contact_lists": 1,
        "POST /v3/contacts": 1,
        "GET /v3/contacts/{contact_id}": 2,
        "POST /v3/activities/contacts_json_import": 1,
    }
    assert counters["total"] == 5
    emulator.control.post("/counters/reset").raise_for_status()
    assert emulator.control.get("/counters").json() == EMPTY_COUNTERS


def test_fault_429_and_5xx(emulator) -> None:
    emulator.control.post("/faults", json={"rate_429": 1.0}).raise_for_status()
    limited = emulator.api.get("/contacts")
    assert limited.status_code == 429
    assert limited.json()[0]["error_key"] == "too.many.requests"
    emulator.control.post("/faults", json={"rate_5xx": 1.0}).raise_for_status()
    with emulator.client(emulator.token["access_token"], validate=False) as raw:
        broken = raw.get("/contacts")
    assert broken.status_code == 503
    emulator.control.post("/faults", json={}).raise_for_status()
    assert emulator.api.get("/contacts").status_code == 200


def test_fault_latency(emulator) -> None:
    emulator.control.post("/faults", json={"latency_ms": 300}).raise_for_status()
    began = time.monotonic()
    emulator.api.get("/contacts").raise_for_status()
    assert time.monotonic() - began >= 0.3


def test_fault_revoke_tokens(emulator) -> None:
    emulator.control.post("/faults", json={"revoke_tokens": True}).raise_for_status()
    assert emulator.api.get("/contacts").status_code == 401
    refresh = httpx.post(
        f"{emulator.base_url}/oauth2/default/v1/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": emulator.token["refresh_token"],
            "client_id": "listbridge-tests",
        },
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_bad_control_bodies_are_400(emulator) -> None:
    assert emulator.control.post("/faults", json={"rate_429": 2}).status_code == 400
    assert emulator.control.post("/seed", json={"contacts": -1}).status_code == 400
    assert emulator.control.post("/contacts/nope/unsubscribe").status_code == 404


def test_controls_are_absent_unless_testing() -> None:
    with running_emulator(EmulatorConfig()) as base:
        assert httpx.post(f"{base}/__emulator__/reset").status_code == 404


def test_controls_are_present_with_testing_controls_alone() -> None:
    with running_emulator(EmulatorConfig(testing_controls=True)) as base:
        assert httpx.get(f"{base}/__emulator__/counters").status_code == 200


def test_the_daily_limit_answers_429() -> None:
    with started(EmulatorConfig(auto_approve=True, daily_limit=3)) as em:
        answers = [em.api.get("/contacts").status_code for _ in range(5)]
        assert answers == [200, 200, 200, 429, 429]
        refused = em.api.get("/contacts")
        assert "daily limit" in refused.json()[0]["error_message"]


def test_the_per_second_limit_answers_429_then_recovers() -> None:
    with started(EmulatorConfig(auto_approve=True, rate_limit=2)) as em:
        answers = [em.api.get("/contacts").status_code for _ in range(8)]
        assert 429 in answers
        assert answers.count(200) <= 4, "at most 2 per second, even across a second boundary"
        time.sleep(1.1)
        assert em.api.get("/contacts").status_code == 200


def test_the_limits_control_lifts_and_restores_the_rate_while_running() -> None:
    with started(EmulatorConfig(auto_approve=True, rate_limit=2, daily_limit=50)) as em:
        assert em.control.get("/limits").json() == {"rate_limit": 2, "daily_limit": 50}
        lifted = em.control.post("/limits", json={"rate_limit": None})
        assert lifted.json() == {"rate_limit": None, "daily_limit": 50}, "the day's limit kept"
        assert [em.api.get("/contacts").status_code for _ in range(12)] == [200] * 12
        em.control.post("/limits", json={"rate_limit": 2, "daily_limit": 13})
        time.sleep(1.1)  # a fresh second
        answers = [em.api.get("/contacts").status_code for _ in range(3)]
        assert answers == [200, 429, 429], "13 a day, 12 already spent before the change"
        assert em.control.post("/limits", json={"rate_limit": 0}).status_code == 400


def test_the_unsubscribe_control_takes_an_optional_reason(emulator) -> None:
    contact = emulator.new_contact("a@example.org")
    path = f"/contacts/{contact['contact_id']}/unsubscribe"
    assert (
        emulator.control.post(
            path, content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    emulator.control.post(path, json={"opt_out_reason": "too many e-mails"}).raise_for_status()
    email = emulator.contact(contact["contact_id"])["email_address"]
    assert email["opt_out_reason"] == "too many e-mails"


def test_the_account_control_changes_whose_account_it_is_and_a_reset_keeps_it() -> None:
    with started(DEFAULT_CONFIG) as emulator:  # its own server: the shared one keeps its owner
        before = emulator.api.get("/account/summary").json()
        changed = emulator.control.post(
            "/account", json={"encoded_account_id": "b0therAcct", "organization_name": "Other"}
        )
        assert changed.status_code == 200, changed.text
        emulator.control.post("/reset").raise_for_status()
        after = emulator.api.get("/account/summary").json()
        assert (after["encoded_account_id"], after["organization_name"]) == ("b0therAcct", "Other")
        assert after["contact_email"] == before["contact_email"]  # what was not named stays
        assert emulator.control.post("/account", json={"encoded_account_id": ""}).status_code == 400
