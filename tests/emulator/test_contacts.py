"""Contacts over HTTP: create, read, full-replace PUT, delete and revive, validation errors."""

from __future__ import annotations

import json

import httpx


def error_of(answer: httpx.Response) -> str:
    body = answer.json()
    assert isinstance(body, list), body
    assert set(body[0]) == {"error_key", "error_message"}
    return str(body[0]["error_message"])


def test_create_returns_the_contact_with_implicit_consent(emulator) -> None:
    created = emulator.new_contact("ada@example.org", first_name="Ada")
    assert created["email_address"]["permission_to_send"] == "implicit"
    assert created["email_address"]["opt_in_source"] == "Account"
    assert emulator.contact(created["contact_id"])["first_name"] == "Ada"


def test_an_existing_email_is_a_409_whatever_its_case(emulator) -> None:
    emulator.new_contact("ada@example.org")
    answer = emulator.api.post(
        "/contacts",
        json={"email_address": {"address": "ADA@Example.org"}, "create_source": "Account"},
    )
    assert answer.status_code == 409
    assert "already exists" in error_of(answer)


def test_a_missing_contact_is_a_404(emulator) -> None:
    answer = emulator.api.get("/contacts/8987dc1a-48ef-433a-b836-7ca4f9aa3481")
    assert answer.status_code == 404
    assert "8987dc1a" in error_of(answer)


def test_put_replaces_top_level_fields_and_keeps_omitted_arrays(emulator) -> None:
    list_id = emulator.new_list("Members")
    created = emulator.new_contact(
        "ada@example.org",
        [list_id],
        first_name="Ada",
        last_name="Lovelace",
        job_title="Analyst",
        phone_numbers=[{"phone_number": "555-0100", "kind": "work"}],
    )
    answer = emulator.api.put(
        f"/contacts/{created['contact_id']}",
        json={
            "email_address": {"address": "ada@example.org"},
            "first_name": "Augusta",
            "update_source": "Account",
        },
    )
    assert answer.status_code == 200
    after = emulator.contact(created["contact_id"], include="list_memberships,phone_numbers")
    assert after["first_name"] == "Augusta"
    assert "last_name" not in after, "omitted top-level properties are nulled"
    assert "job_title" not in after
    assert after["list_memberships"] == [list_id], "omitted sub-resources are untouched"
    assert after["phone_numbers"][0]["phone_number"] == "555-0100"


def test_put_with_an_array_changes_it(emulator) -> None:
    first, second = emulator.new_list("A"), emulator.new_list("B")
    created = emulator.new_contact("ada@example.org", [first])
    emulator.api.put(
        f"/contacts/{created['contact_id']}",
        json={"update_source": "Account", "list_memberships": [second]},
    ).raise_for_status()
    assert emulator.contact(created["contact_id"])["list_memberships"] == [second]


def test_put_to_another_contacts_email_is_a_409(emulator) -> None:
    emulator.new_contact("ada@example.org")
    grace = emulator.new_contact("grace@example.org")
    answer = emulator.api.put(
        f"/contacts/{grace['contact_id']}",
        json={"email_address": {"address": "ada@example.org"}, "update_source": "Account"},
    )
    assert answer.status_code == 409


def test_delete_hides_the_contact_and_a_put_revives_it(emulator) -> None:
    created = emulator.new_contact("ada@example.org")
    contact_id = created["contact_id"]
    assert emulator.api.delete(f"/contacts/{contact_id}").status_code == 204
    assert emulator.api.delete(f"/contacts/{contact_id}").status_code == 404
    assert emulator.api.get("/contacts").json()["contacts"] == []
    deleted = emulator.api.get("/contacts", params={"status": "deleted"}).json()["contacts"]
    assert [c["contact_id"] for c in deleted] == [contact_id]
    assert "deleted_at" in deleted[0]
    contact_put = emulator.api.put(f"/contacts/{contact_id}", json={"update_source": "Contact"})
    assert contact_put.status_code == 400
    assert "Account" in error_of(contact_put)
    revived = emulator.api.put(
        f"/contacts/{contact_id}", json={"update_source": "Account", "first_name": "A"}
    )
    assert revived.status_code == 200
    assert "deleted_at" not in revived.json()
    assert len(emulator.api.get("/contacts").json()["contacts"]) == 1


def test_creating_a_deleted_contacts_email_brings_the_same_contact_back(emulator) -> None:
    created = emulator.new_contact("ada@example.org")
    emulator.api.delete(f"/contacts/{created['contact_id']}")
    again = emulator.new_contact("ada@example.org", first_name="Ada")
    assert again["contact_id"] == created["contact_id"]
    assert "deleted_at" not in again


def test_field_lengths_are_enforced_with_the_field_named(emulator) -> None:
    answer = emulator.api.post(
        "/contacts",
        json={
            "email_address": {"address": "a@example.org"},
            "first_name": "x" * 51,
            "create_source": "Account",
        },
    )
    assert answer.status_code == 400
    assert "first_name" in error_of(answer)


def test_an_invalid_email_is_a_400_naming_it(emulator) -> None:
    answer = emulator.api.post(
        "/contacts", json={"email_address": {"address": "not-an-email"}, "create_source": "Account"}
    )
    assert answer.status_code == 400
    assert "not-an-email" in error_of(answer)


def test_wrong_types_are_a_400_not_a_coercion(emulator) -> None:
    answer = emulator.api.post(
        "/contacts",
        json={
            "email_address": {"address": "a@example.org"},
            "birthday_month": "3",
            "birthday_day": 4,
        },
    )
    assert answer.status_code == 400
    assert "birthday_month" in error_of(answer)


def test_birthday_parts_go_together(emulator) -> None:
    answer = emulator.api.post(
        "/contacts",
        json={
            "email_address": {"address": "a@example.org"},
            "birthday_month": 3,
            "create_source": "Account",
        },
    )
    assert answer.status_code == 400
    assert "birthday_day" in error_of(answer)


def test_malformed_json_is_a_400(emulator) -> None:
    answer = emulator.api.post(
        "/contacts", content=b'{"email_address": ', headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "malformed JSON" in error_of(answer)


def test_a_body_that_is_not_json_is_a_415(emulator) -> None:
    answer = emulator.api.post(
        "/contacts", content=b"email=a@example.org", headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 415
    assert "Content-Type must be application/json" in error_of(answer)


def test_an_oversized_body_is_a_413(emulator) -> None:
    huge = json.dumps(
        {"email_address": {"address": "a@example.org"}, "notes": [{"content": "x" * 1000}] * 20000}
    )
    answer = emulator.api.post(
        "/contacts", content=huge, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413


def test_at_most_50_lists_per_contact(emulator) -> None:
    lists = [emulator.new_list(f"L{i}") for i in range(51)]
    answer = emulator.api.post(
        "/contacts", json={"email_address": {"address": "a@example.org"}, "list_memberships": lists}
    )
    assert answer.status_code == 400
    assert "list_memberships" in error_of(answer)
    ok = emulator.new_contact("a@example.org", lists[:50])
    assert len(emulator.contact(ok["contact_id"])["list_memberships"]) == 50


def test_unknown_lists_are_refused_by_name(emulator) -> None:
    answer = emulator.api.post(
        "/contacts",
        json={
            "email_address": {"address": "a@example.org"},
            "list_memberships": ["8987dc1a-48ef-433a-b836-7ca4f9aa3481"],
            "create_source": "Account",
        },
    )
    assert answer.status_code == 400
    assert "8987dc1a-48ef-433a-b836-7ca4f9aa3481" in error_of(answer)


def test_updated_at_moves_on_every_change(emulator) -> None:
    created = emulator.new_contact("ada@example.org")
    stamps = [created["updated_at"]]
    for name in ("B", "C", "D"):
        answer = emulator.api.put(
            f"/contacts/{created['contact_id']}",
            json={"update_source": "Account", "first_name": name},
        )
        stamps.append(answer.json()["updated_at"])
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4


def test_contact_id_xrefs_answer_an_empty_list_for_unknown_ids(emulator) -> None:
    answer = emulator.api.get("/contacts/contact_id_xrefs", params={"sequence_ids": "1,2"})
    assert answer.json() == {"xrefs": []}
    assert (
        emulator.api.get("/contacts/contact_id_xrefs", params={"sequence_ids": "a"}).status_code
        == 400
    )


def test_a_refused_put_changes_nothing(emulator) -> None:
    list_id = emulator.new_list("Members")
    created = emulator.new_contact("ada@example.org", [list_id], first_name="Ada")
    answer = emulator.api.put(
        f"/contacts/{created['contact_id']}",
        json={
            "email_address": {"address": "countess@example.org"},
            "first_name": "Augusta",
            "update_source": "Account",
            "list_memberships": [],
            "street_addresses": [{"kind": "castle", "city": "London"}],
        },
    )
    assert answer.status_code == 400
    assert "street_addresses[0].kind" in error_of(answer)
    after = emulator.contact(created["contact_id"])
    assert after["first_name"] == "Ada"
    assert after["email_address"]["address"] == "ada@example.org"
    assert after["list_memberships"] == [list_id]
    assert after["updated_at"] == created["updated_at"]


def test_a_refused_create_leaves_no_trace(emulator) -> None:
    list_id = emulator.new_list("Members")
    answer = emulator.api.post(
        "/contacts",
        json={
            "email_address": {"address": "ada@example.org", "permission_to_send": "maybe"},
            "list_memberships": [list_id],
            "create_source": "Account",
        },
    )
    assert answer.status_code == 400
    assert "permission_to_send" in error_of(answer)
    assert emulator.api.get("/contacts", params={"status": "all"}).json()["contacts"] == []
    counted = emulator.api.get(
        f"/contact_lists/{list_id}", params={"include_membership_count": "all"}
    )
    assert counted.json()["membership_count"] == 0
