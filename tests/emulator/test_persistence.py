"""``--state FILE``: the account and its tokens survive a restart."""

from __future__ import annotations

import time
from pathlib import Path

from tests.emulator.conftest import started

from listbridge.emulator.config import EmulatorConfig


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(auto_approve=True, state_file=tmp_path / "cc.sqlite")
    with started(config) as em:
        list_id = em.new_list("News")
        field = em.api.post(
            "/contact_custom_fields", json={"label": "Region", "type": "string"}
        ).json()
        ada = em.new_contact(
            "ada@example.org",
            [list_id],
            first_name="Ada",
            custom_fields=[{"custom_field_id": field["custom_field_id"], "value": "North"}],
            phone_numbers=[{"phone_number": "555", "kind": "home"}],
        )
        out = em.new_contact("out@example.org", [list_id])
        em.control.post(f"/contacts/{out['contact_id']}/unsubscribe")
        activity = em.run_activity(
            "contacts_json_import",
            {"list_ids": [list_id], "import_data": [{"email": "c@example.org"}]},
        )
        token = em.token
        before = em.api.get(
            "/contacts",
            params={"include": "custom_fields,list_memberships,phone_numbers", "status": "all"},
        ).json()
    assert (tmp_path / "cc.sqlite").exists()
    with started(config) as em:
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        with em.client(token["access_token"]) as old_token:
            after = old_token.get(
                "/contacts",
                params={"include": "custom_fields,list_memberships,phone_numbers", "status": "all"},
                headers=headers,
            ).json()
        assert after == before
        assert em.contact(ada["contact_id"])["list_memberships"] == [list_id]
        lists = em.api.get(
            f"/contact_lists/{list_id}", params={"include_membership_count": "all"}
        ).json()
        assert lists["membership_count"] == 2
        assert em.api.get(f"/activities/{activity['activity_id']}").json()["state"] == "completed"
        newer = em.new_contact("late@example.org")
        assert newer["updated_at"] > max(c["updated_at"] for c in before["contacts"])
        dup_body = {"email_address": {"address": "ada@example.org"}, "create_source": "Account"}
        dup = em.api.post("/contacts", json=dup_body)
        assert dup.status_code == 409, "the email index is rebuilt"


def test_state_is_saved_periodically_while_running(tmp_path: Path) -> None:
    path = tmp_path / "cc.sqlite"
    config = EmulatorConfig(auto_approve=True, state_file=path, save_interval_seconds=0.2)
    with started(config) as em:
        em.new_list("Saved while running")
        for _ in range(50):
            if path.exists() and b"Saved while running" in path.read_bytes():
                break
            time.sleep(0.1)
        assert b"Saved while running" in path.read_bytes()


def test_campaign_state_comes_back_too(tmp_path: Path) -> None:
    config = EmulatorConfig(auto_approve=True, state_file=tmp_path / "cc.sqlite")
    with started(config) as em:
        list_id = em.new_list("News")
        em.new_contact("a@example.org", [list_id])
        sent = em.control.post(
            "/campaigns/send", json={"name": "Spring", "list_ids": [list_id], "seed": 1}
        )
        assert sent.status_code == 200, sent.text
        before = em.api.get("/emails").json()
    with started(config) as em:
        assert em.api.get("/emails").json() == before
