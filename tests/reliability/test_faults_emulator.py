"""The emulator's faults control beyond design.md's four keys: a connection closed with no
answer, a success whose JSON is cut short, bulk activities that end failed or timed_out,
a seed that repeats the faults, and the counters of what was injected."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.constant_contact.conftest import (  # noqa: F401 (fixtures)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
)

from listbridge.emulator.testing import obtain_token


@pytest.fixture
def api(cc: CcEmulator) -> Iterator[httpx.Client]:  # noqa: F811
    token = obtain_token(cc.base_url)["access_token"]
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{cc.base_url}/v3", headers=headers, timeout=30) as client:
        yield client


def list_names(cc: CcEmulator) -> list[str]:  # noqa: F811
    with cc.state.lock:
        return sorted(x.name for x in cc.state.live_lists())


def test_a_reset_closes_the_connection_once_the_request_has_been_carried_out(
    cc: CcEmulator,  # noqa: F811
    api: httpx.Client,
) -> None:
    cc.faults(reset_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        api.post("/contact_lists", json={"name": "Volunteers", "favorite": False})
    cc.faults()
    assert list_names(cc) == ["Volunteers"]  # done, only the answer was lost
    assert api.get("/contact_lists").status_code == 200
    assert cc.counters()["faults"] == {"reset": 1}


def test_a_malformed_body_is_a_success_cut_short_and_refusals_stay_whole(
    cc: CcEmulator,  # noqa: F811
    api: httpx.Client,
) -> None:
    cc.faults(malformed_json_rate=1.0)
    made = api.post("/contact_lists", json={"name": "Donors", "favorite": False})
    missing = api.get("/contact_lists/9f1c2d3e-0000-4000-8000-000000000000")
    cc.faults()
    assert made.status_code == 201
    assert int(made.headers["content-length"]) == len(made.content) > 0
    with pytest.raises(json.JSONDecodeError):
        made.json()
    assert list_names(cc) == ["Donors"]
    assert missing.status_code == 404
    assert missing.json()[0]["error_key"]  # an error answer is never cut
    assert cc.counters()["faults"] == {"malformed_json": 1}


def _import(api: httpx.Client, list_id: str, email: str) -> dict[str, Any]:
    body = {"import_data": [{"email": email, "first_name": "Zoë"}], "list_ids": [list_id]}
    answer = api.post("/activities/contacts_json_import", json=body)
    assert answer.status_code == 201, answer.text
    activity_id = answer.json()["activity_id"]
    deadline = time.monotonic() + 30
    while (found := api.get(f"/activities/{activity_id}").json())["state"] in (
        "initialized",
        "processing",
    ):
        assert time.monotonic() < deadline, found
        time.sleep(0.02)
    result: dict[str, Any] = found
    return result


@pytest.mark.parametrize(
    ("outcome", "said"),
    [("failed", "job failed to complete"), ("timed_out", "the request timed out")],
)
def test_an_activity_outcome_ends_each_activity_so_with_nothing_done(
    cc: CcEmulator,  # noqa: F811
    api: httpx.Client,
    outcome: str,
    said: str,
) -> None:
    list_id = api.post("/contact_lists", json={"name": "News", "favorite": False}).json()["list_id"]
    cc.faults(activity_outcome=outcome)
    ended = _import(api, list_id, "zoe@example.org")
    cc.faults()
    assert ended["state"] == outcome
    assert ended["percent_done"] == 100
    assert said in ended["activity_errors"][0]
    assert api.get("/contacts", params={"email": "zoe@example.org"}).json()["contacts"] == []
    assert _import(api, list_id, "zoe@example.org")["state"] == "completed"
    assert cc.counters()["faults"] == {f"activity_{outcome}": 1}


def test_a_held_activity_stays_processing_until_the_hold_is_lifted(
    cc: CcEmulator,  # noqa: F811
    api: httpx.Client,
) -> None:
    list_id = api.post("/contact_lists", json={"name": "News", "favorite": False}).json()["list_id"]
    cc.faults(activity_hold=True)
    body = {"import_data": [{"email": "zoe@example.org"}], "list_ids": [list_id]}
    activity_id = api.post("/activities/contacts_json_import", json=body).json()["activity_id"]
    deadline = time.monotonic() + 30
    while (held := api.get(f"/activities/{activity_id}").json())["state"] == "initialized":
        assert time.monotonic() < deadline, held
        time.sleep(0.02)
    time.sleep(0.3)  # long enough for a free worker to finish a one-contact import
    assert api.get(f"/activities/{activity_id}").json() == held
    assert held["state"] == "processing"
    assert api.get("/contacts", params={"email": "zoe@example.org"}).json()["contacts"] == []
    waited = cc.control.post("/activities/wait")
    assert waited.status_code == 409
    assert "activity_hold" in waited.json()[0]["error_message"]
    cc.faults()
    cc.wait()
    assert api.get(f"/activities/{activity_id}").json()["state"] == "completed"
    assert len(api.get("/contacts", params={"email": "zoe@example.org"}).json()["contacts"]) == 1


def test_a_seed_repeats_the_same_faults_for_the_same_requests(
    cc: CcEmulator,  # noqa: F811
    api: httpx.Client,
) -> None:
    def statuses() -> list[int]:
        cc.faults(rate_5xx=0.5, rate_429=0.2, seed=11)
        seen = [api.get("/contact_lists").status_code for _ in range(12)]
        cc.faults()
        return seen

    first = statuses()
    assert {429, 503} <= set(first)
    assert statuses() == first


def test_the_control_answers_every_key_and_refuses_unknown_outcomes(
    cc: CcEmulator,  # noqa: F811
) -> None:
    body = {"reset_rate": 0.1, "malformed_json_rate": 0.2, "activity_outcome": "failed", "seed": 3}
    answer = cc.control.post("/faults", json=body)
    assert answer.json() == {
        "rate_429": 0.0,
        "rate_5xx": 0.0,
        "latency_ms": 0,
        "revoke_tokens": False,
        "activity_hold": False,
        **body,
    }
    assert cc.control.post("/faults", json={"activity_outcome": "done"}).status_code == 400
    assert cc.control.post("/faults", json={"reset_rate": 1.5}).status_code == 400
