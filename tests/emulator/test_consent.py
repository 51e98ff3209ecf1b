"""Consent rules: opt-outs stick; only the contact's own action re-subscribes."""

from __future__ import annotations

from typing import Any


def unsubscribe_by_put(emulator, contact_id: str, reason: str = "asked by phone") -> dict[str, Any]:
    answer = emulator.api.put(
        f"/contacts/{contact_id}",
        json={
            "email_address": {
                "address": emulator.contact(contact_id)["email_address"]["address"],
                "permission_to_send": "unsubscribed",
                "opt_out_reason": reason,
            },
            "update_source": "Account",
        },
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_put_unsubscribed_is_an_account_opt_out_and_leaves_every_list(emulator) -> None:
    list_id = emulator.new_list("News")
    created = emulator.new_contact("ada@example.org", [list_id])
    after = unsubscribe_by_put(emulator, created["contact_id"])
    email = after["email_address"]
    assert email["permission_to_send"] == "unsubscribed"
    assert email["opt_out_source"] == "Account"
    assert email["opt_out_reason"] == "asked by phone"
    assert email["opt_out_date"]
    assert emulator.contact(created["contact_id"])["list_memberships"] == []


def test_the_email_link_control_is_a_contact_opt_out(emulator) -> None:
    created = emulator.new_contact("ada@example.org")
    answer = emulator.control.post(f"/contacts/{created['contact_id']}/unsubscribe")
    assert answer.json()["opt_out_source"] == "Contact"
    email = emulator.contact(created["contact_id"])["email_address"]
    assert email["permission_to_send"] == "unsubscribed"
    assert email["opt_out_source"] == "Contact"


def test_a_put_never_resubscribes_nor_re_adds_to_lists(emulator) -> None:
    list_id = emulator.new_list("News")
    created = emulator.new_contact("ada@example.org", [list_id])
    unsubscribe_by_put(emulator, created["contact_id"])
    answer = emulator.api.put(
        f"/contacts/{created['contact_id']}",
        json={
            "email_address": {"address": "ada@example.org", "permission_to_send": "explicit"},
            "update_source": "Account",
            "list_memberships": [list_id],
        },
    )
    assert answer.status_code == 200
    after = emulator.contact(created["contact_id"])
    assert after["email_address"]["permission_to_send"] == "unsubscribed"
    assert after["list_memberships"] == []


def test_a_second_opt_out_keeps_the_first_date_and_source(emulator) -> None:
    created = emulator.new_contact("ada@example.org")
    emulator.control.post(f"/contacts/{created['contact_id']}/unsubscribe")
    first = emulator.contact(created["contact_id"])["email_address"]
    second = unsubscribe_by_put(emulator, created["contact_id"])["email_address"]
    assert second["opt_out_date"] == first["opt_out_date"]
    assert second["opt_out_source"] == "Contact"


def test_resubscribe_waits_for_confirmation_and_works_once(emulator) -> None:
    list_id = emulator.new_list("News")
    created = emulator.new_contact("ada@example.org", [list_id])
    contact_id = created["contact_id"]
    emulator.control.post(f"/contacts/{contact_id}/unsubscribe")
    answer = emulator.api.put(f"/contacts/resubscribe/{contact_id}", json={"list_ids": [list_id]})
    assert answer.status_code == 200
    assert answer.content == b""
    pending = emulator.contact(contact_id)
    assert pending["email_address"]["permission_to_send"] == "unsubscribed", (
        "still out until confirmed"
    )
    assert pending["list_memberships"] == []
    again = emulator.api.put(f"/contacts/resubscribe/{contact_id}", json={"list_ids": [list_id]})
    assert again.status_code == 409
    confirmed = emulator.control.post(f"/contacts/{contact_id}/confirm_resubscribe")
    assert confirmed.status_code == 200
    after = emulator.contact(contact_id)
    assert after["email_address"]["permission_to_send"] == "explicit"
    assert after["list_memberships"] == [list_id]
    assert "opt_out_source" not in after["email_address"]


def test_resubscribing_a_subscribed_contact_is_a_400(emulator) -> None:
    list_id = emulator.new_list("News")
    created = emulator.new_contact("ada@example.org")
    answer = emulator.api.put(
        f"/contacts/resubscribe/{created['contact_id']}", json={"list_ids": [list_id]}
    )
    assert answer.status_code == 400
    assert "not unsubscribed" in answer.json()[0]["error_message"]


def test_confirming_without_a_request_is_refused(emulator) -> None:
    created = emulator.new_contact("ada@example.org")
    emulator.control.post(f"/contacts/{created['contact_id']}/unsubscribe")
    answer = emulator.control.post(f"/contacts/{created['contact_id']}/confirm_resubscribe")
    assert answer.status_code == 409
    assert (
        emulator.contact(created["contact_id"])["email_address"]["permission_to_send"]
        == "unsubscribed"
    )


def test_sign_up_form_creates_explicit_contacts_from_the_contact(emulator) -> None:
    list_id = emulator.new_list("News")
    answer = emulator.api.post(
        "/contacts/sign_up_form",
        json={
            "email_address": "new@example.org",
            "first_name": "New",
            "list_memberships": [list_id],
        },
    )
    assert answer.status_code == 201
    assert answer.json()["action"] == "created"
    contact = emulator.contact(answer.json()["contact_id"])
    assert contact["email_address"]["permission_to_send"] == "explicit"
    assert contact["email_address"]["opt_in_source"] == "Contact"
    assert contact["list_memberships"] == [list_id]


def test_sign_up_form_updates_partially_and_appends_lists(emulator) -> None:
    first, second = emulator.new_list("A"), emulator.new_list("B")
    created = emulator.new_contact(
        "ada@example.org", [first], first_name="Ada", last_name="Lovelace"
    )
    answer = emulator.api.post(
        "/contacts/sign_up_form",
        json={
            "email_address": "ADA@example.org",
            "job_title": "Countess",
            "list_memberships": [second],
        },
    )
    assert answer.status_code == 200
    assert answer.json() == {"contact_id": created["contact_id"], "action": "updated"}
    after = emulator.contact(created["contact_id"])
    assert after["last_name"] == "Lovelace"
    assert after["job_title"] == "Countess"
    assert after["list_memberships"] == [first, second]
    assert after["email_address"]["permission_to_send"] == "explicit"
    assert after["email_address"]["opt_in_source"] == "Account", "opt_in_source is set once"


def test_sign_up_form_is_the_contacts_own_consent_so_it_resubscribes(emulator) -> None:
    list_id = emulator.new_list("News")
    created = emulator.new_contact("ada@example.org", [list_id])
    emulator.control.post(f"/contacts/{created['contact_id']}/unsubscribe")
    answer = emulator.api.post(
        "/contacts/sign_up_form",
        json={"email_address": "ada@example.org", "list_memberships": [list_id]},
    )
    assert answer.status_code == 200
    after = emulator.contact(created["contact_id"])
    assert after["email_address"]["permission_to_send"] == "explicit"
    assert after["list_memberships"] == [list_id]


def test_sign_up_form_needs_lists(emulator) -> None:
    answer = emulator.api.post(
        "/contacts/sign_up_form", json={"email_address": "a@example.org", "list_memberships": []}
    )
    assert answer.status_code == 400
    assert "list_memberships" in answer.json()[0]["error_message"]


def test_counts_by_consent_state(emulator) -> None:
    for i in range(3):
        emulator.new_contact(f"c{i}@example.org")
    explicit = emulator.new_contact(
        "e@example.org",
        email_address={"address": "e@example.org", "permission_to_send": "explicit"},
    )
    gone = emulator.new_contact("u@example.org")
    emulator.control.post(f"/contacts/{gone['contact_id']}/unsubscribe")
    deleted = emulator.new_contact("d@example.org")
    emulator.api.delete(f"/contacts/{deleted['contact_id']}")
    counts = emulator.api.get("/contacts/counts", params={"include": "new_subscriber"}).json()
    assert explicit["email_address"]["permission_to_send"] == "explicit"
    assert counts == {
        "total": 5,
        "explicit": 1,
        "implicit": 3,
        "pending": 0,
        "unsubscribed": 1,
        "new_subscriber": 4,
    }


def test_a_refused_sign_up_changes_nothing(emulator) -> None:
    list_id = emulator.new_list("News")
    created = emulator.new_contact("ada@example.org", first_name="Ada")
    emulator.control.post(f"/contacts/{created['contact_id']}/unsubscribe")
    answer = emulator.api.post(
        "/contacts/sign_up_form",
        json={
            "email_address": "ada@example.org",
            "first_name": "Augusta",
            "list_memberships": [list_id],
            "custom_fields": [
                {"custom_field_id": "8987dc1a-48ef-433a-b836-7ca4f9aa3481", "value": "x"}
            ],
        },
    )
    assert answer.status_code == 400
    after = emulator.contact(created["contact_id"])
    assert after["first_name"] == "Ada"
    assert after["email_address"]["permission_to_send"] == "unsubscribed"
    assert after["list_memberships"] == []
