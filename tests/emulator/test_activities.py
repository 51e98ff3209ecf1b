"""Bulk activities: asynchronous states, per-item errors and counts, and the consent rules."""

from __future__ import annotations

import json
import time

import httpx
from tests.emulator.conftest import started

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import obtain_token, running_emulator

UNKNOWN = "8987dc1a-48ef-433a-b836-7ca4f9aa3481"


def test_json_import_creates_updates_and_counts(emulator) -> None:
    list_id = emulator.new_list("News")
    existing = emulator.new_contact("old@example.org", first_name="Old", last_name="Keep")
    done = emulator.run_activity(
        "contacts_json_import",
        {
            "list_ids": [list_id],
            "import_data": [
                {
                    "email": "new@example.org",
                    "first_name": "New",
                    "home_phone": "555-0101",
                    "city": "Oslo",
                },
                {"email": "OLD@example.org", "first_name": "Changed"},
                {"email": "not-an-email", "first_name": "Bad"},
                {"first_name": "No Email"},
            ],
        },
    )
    assert done["state"] == "completed"
    assert done["percent_done"] == 100
    assert done["status"] == {
        "items_total_count": 4,
        "items_completed_count": 4,
        "person_count": 2,
        "error_count": 0,
        "correctable_count": 2,
        "cannot_add_to_list_count": 0,
    }
    assert any("row 3" in e and "not-an-email" in e for e in done["activity_errors"])
    old = emulator.contact(existing["contact_id"])
    assert old["first_name"] == "Changed"
    assert old["last_name"] == "Keep", "an import updates only what it sends"
    assert old["list_memberships"] == [list_id]
    new = emulator.api.get(
        "/contacts",
        params={"email": "new@example.org", "include": "phone_numbers,street_addresses"},
    )
    row = new.json()["contacts"][0]
    assert row["email_address"]["permission_to_send"] == "implicit"
    assert row["email_address"]["opt_in_source"] == "Account"
    assert row["phone_numbers"][0]["kind"] == "home"
    assert row["street_addresses"][0]["city"] == "Oslo"


def test_an_import_never_resubscribes_nor_adds_an_unsubscribed_contact(emulator) -> None:
    list_id = emulator.new_list("News")
    out = emulator.new_contact("out@example.org")
    emulator.control.post(f"/contacts/{out['contact_id']}/unsubscribe")
    done = emulator.run_activity(
        "contacts_json_import",
        {"list_ids": [list_id], "import_data": [{"email": "out@example.org"}]},
    )
    assert done["status"]["cannot_add_to_list_count"] == 1
    assert "out@example.org" in done["activity_errors"][0]
    after = emulator.contact(out["contact_id"])
    assert after["email_address"]["permission_to_send"] == "unsubscribed"
    assert after["list_memberships"] == []


def test_an_import_revives_a_deleted_contact(emulator) -> None:
    list_id = emulator.new_list("News")
    gone = emulator.new_contact("gone@example.org")
    emulator.api.delete(f"/contacts/{gone['contact_id']}")
    emulator.run_activity(
        "contacts_json_import",
        {"list_ids": [list_id], "import_data": [{"email": "gone@example.org"}]},
    )
    assert "deleted_at" not in emulator.contact(gone["contact_id"])


def test_import_custom_fields_by_name_and_unknown_ones_are_errors(emulator) -> None:
    list_id = emulator.new_list("News")
    field = emulator.api.post(
        "/contact_custom_fields", json={"label": "Region", "type": "string"}
    ).json()
    done = emulator.run_activity(
        "contacts_json_import",
        {
            "list_ids": [list_id],
            "import_data": [
                {"email": "a@example.org", "cf:region": "North"},
                {"email": "b@example.org", "cf:planet": "Mars"},
            ],
        },
    )
    assert done["status"]["error_count"] == 1
    assert "cf:planet" in done["activity_errors"][0]
    row = emulator.api.get(
        "/contacts", params={"email": "a@example.org", "include": "custom_fields"}
    ).json()
    assert row["contacts"][0]["custom_fields"] == [
        {"custom_field_id": field["custom_field_id"], "value": "North"}
    ]


def test_an_import_needs_existing_lists(emulator) -> None:
    answer = emulator.api.post(
        "/activities/contacts_json_import",
        json={"list_ids": [UNKNOWN], "import_data": [{"email": "a@example.org"}]},
    )
    assert answer.status_code == 400
    assert UNKNOWN in answer.json()[0]["error_message"]
    missing = emulator.api.post("/activities/contacts_json_import", json={"import_data": []})
    assert missing.status_code == 400
    assert "list_ids" in missing.json()[0]["error_message"]


def test_activities_move_from_initialized_through_processing_to_completed() -> None:
    with started(EmulatorConfig(auto_approve=True, activity_pause_seconds=0.4)) as em:
        list_id = em.new_list("News")
        queued = em.api.post(
            "/activities/contacts_json_import",
            json={"list_ids": [list_id], "import_data": [{"email": "a@example.org"}]},
        ).json()
        assert queued["state"] == "initialized"
        seen = set()
        for _ in range(100):
            current = em.api.get(f"/activities/{queued['activity_id']}").json()
            seen.add(current["state"])
            if current["state"] == "completed":
                break
            time.sleep(0.02)
        assert {"processing", "completed"} <= seen
        assert current["started_at"] <= current["completed_at"]
        processing = em.api.get("/activities", params={"state": "processing"}).json()["activities"]
        assert processing == []


def test_the_queue_cap_answers_429() -> None:
    with started(
        EmulatorConfig(auto_approve=True, activity_pause_seconds=1.0, activity_queue_cap=2)
    ) as em:
        list_id = em.new_list("News")
        body = {"list_ids": [list_id], "import_data": [{"email": "a@example.org"}]}
        assert em.api.post("/activities/contacts_json_import", json=body).status_code == 201
        assert em.api.post("/activities/contacts_json_import", json=body).status_code == 201
        refused = em.api.post("/activities/contacts_json_import", json=body)
        assert refused.status_code == 429
        assert "queued activities" in refused.json()[0]["error_message"]


def test_past_the_payload_cap_the_rest_is_dropped() -> None:
    with started(EmulatorConfig(auto_approve=True, import_payload_bytes=2000)) as em:
        list_id = em.new_list("News")
        rows = [{"email": f"c{i:03}@example.org", "first_name": "Someone"} for i in range(100)]
        assert len(json.dumps(rows)) > 2000
        done = em.run_activity("contacts_json_import", {"list_ids": [list_id], "import_data": rows})
        kept = done["status"]["items_total_count"]
        assert 0 < kept < 100
        total = em.api.get("/contacts", params={"include_count": "true"}).json()["contacts_count"]
        assert total == kept


def csv_upload(
    em, text: str, list_ids: list[str], name: str = "contacts.csv", **headers: str
) -> httpx.Response:
    files = {"file": (name, text.encode(), "text/csv")}
    return em.api.post(
        "/activities/contacts_file_import",
        files=files,
        data={"list_ids": ",".join(list_ids)},
        headers=headers,
    )


def test_file_import_reads_the_csv(emulator) -> None:
    list_id = emulator.new_list("News")
    answer = csv_upload(
        emulator, "email,first_name,last_name\na@example.org,Ada,L\nbad,B,C\n", [list_id]
    )
    assert answer.status_code == 201
    assert answer.json()["source_file_name"] == "contacts.csv"
    emulator.wait()
    done = emulator.api.get(f"/activities/{answer.json()['activity_id']}").json()
    assert done["status"]["items_total_count"] == 3, "lines including the header"
    assert done["status"]["person_count"] == 1
    assert done["status"]["correctable_count"] == 1
    assert any("row 3" in e for e in done["activity_errors"])


def test_file_import_media_type_rules(emulator) -> None:
    list_id = emulator.new_list("News")
    hand_set = csv_upload(
        emulator, "email\na@example.org\n", [list_id], **{"Content-Type": "multipart/form-data"}
    )
    assert hand_set.status_code == 415
    not_csv = emulator.api.post(
        "/activities/contacts_file_import",
        files={"file": ("contacts.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")},
        data={"list_ids": list_id},
    )
    assert not_csv.status_code == 415
    no_email = csv_upload(emulator, "name\nAda\n", [list_id])
    assert no_email.status_code == 400
    assert "email" in no_email.json()[0]["error_message"]


def test_file_import_stops_at_40000_lines(emulator) -> None:
    list_id = emulator.new_list("News")
    lines = "email\n" + "".join(f"c{i}@example.org\n" for i in range(40_050))
    answer = csv_upload(emulator, lines, [list_id])
    assert answer.json()["status"]["items_total_count"] == 40_000


def test_add_and_remove_memberships_report_unsubscribed_contacts(emulator) -> None:
    target = emulator.new_list("Target")
    keep = emulator.new_contact("keep@example.org")
    out = emulator.new_contact("out@example.org")
    emulator.control.post(f"/contacts/{out['contact_id']}/unsubscribe")
    ids = [keep["contact_id"], out["contact_id"], UNKNOWN]
    done = emulator.run_activity(
        "add_list_memberships", {"source": {"contact_ids": ids}, "list_ids": [target]}
    )
    assert done["status"] == {"items_total_count": 3, "items_completed_count": 3, "list_count": 1}
    assert len(done["activity_errors"]) == 2
    assert any("unsubscribed" in e for e in done["activity_errors"])
    assert emulator.contact(keep["contact_id"])["list_memberships"] == [target]
    assert emulator.contact(out["contact_id"])["list_memberships"] == []
    removed = emulator.run_activity(
        "remove_list_memberships", {"source": {"list_ids": [target]}, "list_ids": [target]}
    )
    assert removed["state"] == "completed"
    assert emulator.contact(keep["contact_id"])["list_memberships"] == []


def test_add_memberships_from_all_active_contacts_with_exclude(emulator) -> None:
    target = emulator.new_list("Everyone")
    a = emulator.new_contact("a@example.org")
    b = emulator.new_contact("b@example.org")
    emulator.run_activity(
        "add_list_memberships",
        {
            "source": {"all_active_contacts": True},
            "list_ids": [target],
            "exclude": {"contact_ids": [b["contact_id"]]},
        },
    )
    assert emulator.contact(a["contact_id"])["list_memberships"] == [target]
    assert emulator.contact(b["contact_id"])["list_memberships"] == []


def test_a_membership_source_must_be_exactly_one_kind(emulator) -> None:
    target = emulator.new_list("T")
    answer = emulator.api.post(
        "/activities/add_list_memberships",
        json={
            "source": {"contact_ids": [UNKNOWN], "all_active_contacts": True},
            "list_ids": [target],
        },
    )
    assert answer.status_code == 400
    assert "exactly one source" in answer.json()[0]["error_message"]


def test_adding_past_50_lists_is_an_activity_error(emulator) -> None:
    lists = [emulator.new_list(f"L{i}") for i in range(51)]
    contact = emulator.new_contact("a@example.org", lists[:50])
    done = emulator.run_activity(
        "add_list_memberships",
        {"source": {"contact_ids": [contact["contact_id"]]}, "list_ids": [lists[50]]},
    )
    assert "50 lists" in done["activity_errors"][0]


def test_contact_delete_by_ids_and_by_lists(emulator) -> None:
    doomed = emulator.new_list("Doomed")
    a = emulator.new_contact("a@example.org")
    b = emulator.new_contact("b@example.org", [doomed])
    by_id = emulator.run_activity("contact_delete", {"contact_ids": [a["contact_id"]]})
    assert by_id["status"]["items_completed_count"] == 1
    by_list = emulator.run_activity("contact_delete", {"list_ids": [doomed]})
    assert by_list["status"]["list_count"] == 1
    assert emulator.api.get("/contacts").json()["contacts"] == []
    both = emulator.api.post(
        "/activities/contact_delete", json={"contact_ids": [a["contact_id"]], "list_ids": [doomed]}
    )
    assert both.status_code == 400
    assert "deleted_at" in emulator.contact(b["contact_id"])


def test_list_delete_activity(emulator) -> None:
    lists = [emulator.new_list("A"), emulator.new_list("B")]
    done = emulator.run_activity("list_delete", {"list_ids": lists})
    assert done["status"] == {"list_count": 2}
    assert emulator.api.get("/contact_lists").json()["lists"] == []


def test_contact_export_produces_a_csv(emulator) -> None:
    emulator.new_contact("a@example.org", first_name="Ada")
    out = emulator.new_contact("b@example.org")
    emulator.control.post(f"/contacts/{out['contact_id']}/unsubscribe")
    done = emulator.run_activity(
        "contact_exports", {"fields": ["email_address", "first_name", "email_optout_source"]}
    )
    href = done["_links"]["results"]["href"]
    assert href == f"/v3/contact_exports/{done['activity_id']}"
    csv_file = emulator.api.get(href.removeprefix("/v3"))
    assert csv_file.headers["content-type"].startswith("text/csv")
    lines = csv_file.text.splitlines()
    assert lines[0] == "email_address,first_name,email_optout_source"
    assert "a@example.org,Ada," in lines
    assert "b@example.org,,Contact" in lines
    refused = emulator.api.post(
        "/activities/contact_exports", json={"fields": ["email_optout_date"]}
    )
    assert refused.status_code == 400


def test_activities_listing_and_state_filter(emulator) -> None:
    list_id = emulator.new_list("News")
    emulator.run_activity(
        "contacts_json_import", {"list_ids": [list_id], "import_data": [{"email": "a@example.org"}]}
    )
    listed = emulator.api.get("/activities").json()["activities"]
    assert len(listed) == 1
    assert (
        emulator.api.get("/activities", params={"state": "completed"}).json()["activities"]
        == listed
    )
    assert emulator.api.get("/activities", params={"state": "initialized"}).status_code == 400
    assert emulator.api.get(f"/activities/{UNKNOWN}").status_code == 404


class SteppedClock:
    """Wall time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset_us = 0

    def __call__(self) -> int:
        return time.time_ns() // 1000 + self.offset_us


def test_activities_older_than_ten_days_are_not_listed() -> None:
    clock = SteppedClock()
    config = EmulatorConfig(auto_approve=True, access_token_seconds=365 * 86400)
    with running_emulator(config, EmulatorState(clock=clock)) as base:
        token = obtain_token(base)["access_token"]
        with httpx.Client(
            base_url=f"{base}/v3", headers={"Authorization": f"Bearer {token}"}
        ) as api:
            list_id = api.post("/contact_lists", json={"name": "Old"}).json()["list_id"]
            old = api.post("/activities/list_delete", json={"list_ids": [list_id]}).json()
            clock.offset_us = 11 * 86_400_000_000
            assert api.get("/activities").json()["activities"] == []
            assert api.get(f"/activities/{old['activity_id']}").status_code == 200


def test_an_import_whose_lists_vanish_before_it_runs_fails() -> None:
    with started(EmulatorConfig(auto_approve=True, activity_pause_seconds=0.3)) as em:
        list_id = em.new_list("Short-lived")
        body = {"list_ids": [list_id], "import_data": [{"email": "a@example.org"}]}
        queued = em.api.post("/activities/contacts_json_import", json=body).json()
        with em.state.lock:
            em.state.lists[list_id].deleted_at = em.state.stamp()
        em.wait()
        done = em.api.get(f"/activities/{queued['activity_id']}").json()
        assert done["state"] == "failed"
        assert list_id in done["activity_errors"][0]
        assert em.api.get("/contacts").json()["contacts"] == []


def _segment_of_list(emulator, list_id: str) -> int:
    criteria = {
        "version": "1.0.0",
        "criteria": {
            "type": "and",
            "group": [
                {
                    "source": "list_membership",
                    "field": "list_id",
                    "op": "contains-any",
                    "const_value": list_id,
                }
            ],
        },
    }
    body = {"name": "Members", "segment_criteria": json.dumps(criteria)}
    answer = emulator.api.post("/segments", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["segment_id"])


def test_a_segment_is_a_source_of_memberships_and_exports(emulator) -> None:
    source = emulator.new_list("Source")
    target = emulator.new_list("Target")
    a = emulator.new_contact("a@example.org", lists=[source])
    b = emulator.new_contact("b@example.org", lists=[source])
    c = emulator.new_contact("c@example.org", lists=[source])
    outside = emulator.new_contact("d@example.org")
    segment = _segment_of_list(emulator, source)
    emulator.api.delete(f"/contacts/{c['contact_id']}")

    done = emulator.run_activity(
        "add_list_memberships",
        {
            "source": {"segment_id": segment},
            "list_ids": [target],
            "exclude": {"contact_ids": [b["contact_id"]]},
        },
    )
    assert done["status"]["items_total_count"] == 1
    assert emulator.contact(a["contact_id"])["list_memberships"] == [source, target]
    assert emulator.contact(b["contact_id"])["list_memberships"] == [source]
    assert emulator.contact(outside["contact_id"])["list_memberships"] == []

    exported = emulator.run_activity(
        "contact_exports", {"segment_id": segment, "fields": ["email_address"]}
    )
    csv_file = emulator.api.get(exported["_links"]["results"]["href"].removeprefix("/v3"))
    assert csv_file.text.splitlines() == ["email_address", "a@example.org", "b@example.org"]

    for path, body in [
        ("add_list_memberships", {"source": {"segment_id": 999}, "list_ids": [target]}),
        ("contact_exports", {"segment_id": 999}),
    ]:
        answer = emulator.api.post(f"/activities/{path}", json=body)
        assert answer.status_code == 400, answer.text
        assert "segment 999 does not exist" in answer.json()[0]["error_message"]
    # D:ListActivityRemoveContacts has no segment_id: ignored, which leaves no source.
    answer = emulator.api.post(
        "/activities/remove_list_memberships",
        json={"source": {"segment_id": segment}, "list_ids": [target]},
    )
    assert answer.status_code == 400, answer.text
    assert "exactly one source (got none)" in answer.json()[0]["error_message"]
    answer = emulator.api.post(
        "/activities/add_list_memberships",
        json={"source": {"engagement_level": "high"}, "list_ids": [target]},
    )
    assert answer.status_code == 400
    assert "engagement levels are not emulated" in answer.json()[0]["error_message"]
