"""GET /contacts/sms_engagement_history/{contact_id}: the contact's SMS consent changes.

Each answer is also checked against D:SmsEngagementHistory by the ``emulator`` fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.emulator.conftest import started
from tests.support.sms_signup import sms_sign_up

from listbridge.emulator.config import EmulatorConfig

MISSING = "00000000-0000-4000-8000-000000000000"


def _channel(permission: str, number: str = "17815551212") -> dict[str, Any]:
    return {
        "full_sms_address": number,
        "sms_channel_consents": [
            {"sms_consent_permission": permission, "consent_type": "promotional_sms"}
        ],
    }


def _history(api: Any, contact_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/contacts/sms_engagement_history/{contact_id}")
    assert answer.status_code == 200, answer.text
    history: list[dict[str, Any]] = answer.json()
    return history


def test_each_consent_change_is_one_record_newest_first(emulator: Any) -> None:
    body = {"sms_channel": _channel("pending_confirmation"), "create_source": "Account"}
    created = emulator.api.post("/contacts", json=body).json()
    contact_id, channel_id = created["contact_id"], created["sms_channel"]["sms_channel_id"]
    put = {"sms_channel": _channel("explicit"), "first_name": "Sam", "update_source": "Account"}
    path = f"/contacts/{contact_id}"
    assert emulator.api.put(path, json=put).status_code == 200
    same = {**put, "last_name": "Lee"}  # the same consent again: no change, no record
    assert emulator.api.put(path, json=same).status_code == 200
    out = {"sms_channel": _channel("unsubscribed"), "update_source": "Contact"}
    answer = emulator.api.put(path, json={**out, "first_name": "Sam"})
    assert answer.status_code == 200, answer.text
    consent = answer.json()["sms_channel"]["sms_channel_consents"][0]

    history = _history(emulator.api, contact_id)
    details = [r["history_details"] for r in history]
    assert [(d["state"], d["consent_action_type"], d["source"]) for d in details] == [
        ("O", "opt_out", "C"),
        ("E", "opt_in", "A"),
        ("P", "pending_confirmation", "A"),
    ]
    assert {r["contact_id"] for r in history} == {contact_id}
    assert {r["sms_channel_id"] for r in history} == {channel_id}
    assert len({r["sms_channel_history_id"] for r in history}) == 3
    times = [r["insert_time"] for r in history]
    assert times == sorted(times, reverse=True)
    assert details[0]["consent_action_time"] == consent["opt_out_date"] == times[0]
    assert {d["consent_type"] for d in details} == {"promotional_sms"}
    assert {d["source_sms_number"] for d in details} == {"7815551212"}
    assert all("consent_medium_type" not in d for d in details)  # the API names no medium


def test_the_sign_up_form_records_its_medium_and_advertising(emulator: Any) -> None:
    list_id = emulator.new_list("Texts")
    body = sms_sign_up(list_id, "781-555-3434", advertised_interval="M")
    answer = emulator.api.post("/contacts/sign_up_form", json=body)
    assert answer.status_code == 201, answer.text
    [record] = _history(emulator.api, answer.json()["contact_id"])
    assert record["history_details"] == {
        "state": "E",
        "source": "C",
        "consent_type": "promotional_sms",
        "consent_action_time": record["insert_time"],
        "consent_action_type": "opt_in",
        "consent_medium_type": "LF",
        "source_consent_timestamp": record["insert_time"],
        "source_sms_number": "7815553434",
        "advertised_frequency": 2,
        "advertised_interval": "M",
    }


def test_no_channel_is_an_empty_history_and_an_unknown_contact_404(emulator: Any) -> None:
    contact = emulator.new_contact("mail@example.org")
    assert _history(emulator.api, contact["contact_id"]) == []
    answer = emulator.api.get(f"/contacts/sms_engagement_history/{MISSING}")
    assert answer.status_code == 404
    assert MISSING in answer.json()[0]["error_message"]


def test_the_history_survives_a_restart_and_a_reset_empties_it(tmp_path: Path) -> None:
    config = EmulatorConfig(
        auto_approve=True, testing_controls=True, state_file=tmp_path / "cc.sqlite"
    )
    with started(config) as em:
        body = {"sms_channel": _channel("explicit"), "create_source": "Account"}
        contact_id = em.api.post("/contacts", json=body).json()["contact_id"]
        before = _history(em.api, contact_id)
        token = em.token["access_token"]
    assert len(before) == 1
    with started(config) as em, em.client(token) as api:
        assert _history(api, contact_id) == before
        em.control.post("/reset").raise_for_status()
        assert _history(em.api, em.new_contact("new@example.org")["contact_id"]) == []
        assert api.get(f"/contacts/sms_engagement_history/{contact_id}").status_code == 404
