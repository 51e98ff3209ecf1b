"""Issue 22, request side (second part): custom-field metadata, version and choices and the
values a contact may hold in them; the SMS channel of contacts and sign-ups and the SMS
views of GET /contact_lists; enumerated parameters sent empty; int64 ``url_id``;
``create_source`` required on POST /contacts.

Every answer passes the fixture's conformance hook (official spec, facts §3 error shapes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.emulator.conftest import started
from tests.support.sms_signup import sms_sign_up

from listbridge.emulator.config import EmulatorConfig


def _refused(answer: Any, *words: str) -> str:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert isinstance(body, list), body  # the spec's array shape
    assert body[0]["error_key"], body
    message = str(body[0]["error_message"])
    for word in words:
        assert word in message, message
    return message


def _field(emulator: Any, **body: Any) -> dict[str, Any]:
    answer = emulator.api.post("/contact_custom_fields", json=body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _set_value(emulator: Any, contact_id: str, email: str, value: dict[str, Any]) -> Any:
    body = {
        "email_address": {"address": email},
        "custom_fields": [value],
        "update_source": "Account",
    }
    return emulator.api.put(f"/contacts/{contact_id}", json=body)


def test_a_select_field_keeps_its_choices_metadata_and_version(emulator: Any) -> None:
    field = _field(
        emulator,
        label="Favourite fruit",
        type="single_select",
        metadata={"display_type": "radio"},
        choices=[
            {"choice_label": "Apple", "display_order": 1},
            {"choice_label": "Pear", "display_order": 2},
        ],
    )
    assert field["metadata"] == {"display_type": "radio"}
    assert [(c["choice_id"], c["choice_label"], c["display_order"]) for c in field["choices"]] == [
        (1, "Apple", 1),
        (2, "Pear", 2),
    ]
    assert {c["custom_field_id"] for c in field["choices"]} == {field["custom_field_id"]}
    read = emulator.api.get(f"/contact_custom_fields/{field['custom_field_id']}").json()
    assert read["choices"] == field["choices"]
    listed = emulator.api.get("/contact_custom_fields").json()["custom_fields"]
    assert [f["choices"] for f in listed if f["custom_field_id"] == field["custom_field_id"]] == [
        field["choices"]
    ]

    dated = _field(emulator, label="Joined", type="date", version=2)
    assert dated["version"] == 2

    # PUT: a choice_id changes that choice, none adds one, one not sent is removed
    put = {
        "label": "Favourite fruit",
        "choices": [{"choice_id": 2, "choice_label": "Pears"}, {"choice_label": "Plum"}],
    }
    answer = emulator.api.put(f"/contact_custom_fields/{field['custom_field_id']}", json=put)
    assert answer.status_code == 200, answer.text
    assert [(c["choice_id"], c["choice_label"]) for c in answer.json()["choices"]] == [
        (2, "Pears"),
        (3, "Plum"),
    ]
    unknown = {"label": "Favourite fruit", "choices": [{"choice_id": 9, "choice_label": "Fig"}]}
    answer = emulator.api.put(f"/contact_custom_fields/{field['custom_field_id']}", json=unknown)
    _refused(answer, "choices[0].choice_id", "9")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            {"label": "A", "type": "number", "metadata": {"allow_negative": "yes"}},
            ["allow_negative"],
        ),
        ({"label": "A", "type": "number", "metadata": {"decimal_places": "2"}}, ["decimal_places"]),
        ({"label": "A", "type": "date", "version": "2"}, ["version"]),
        ({"label": "A", "type": "single_select", "choices": "Apple"}, ["choices"]),
        (
            {"label": "A", "type": "single_select", "choices": [{"choice_label": 5}]},
            ["choice_label"],
        ),
        (
            {"label": "A", "type": "single_select", "choices": [{"display_order": 1}]},
            ["choice_label"],
        ),
        ({"label": "A", "type": "single_select"}, ["choices", "at least one"]),
        ({"label": "A", "type": "string", "choices": [{"choice_label": "x"}]}, ["choices", "only"]),
        ({"label": "A", "type": "date", "version": 3}, ["version"]),
        (
            {"label": "A", "type": "number", "metadata": {"integer": False, "decimal_places": 0}},
            ["1-4"],
        ),
        (
            {"label": "A", "type": "currency", "metadata": {"currency_code": "dollars"}},
            ["currency_code"],
        ),
        (
            {
                "label": "A",
                "type": "multi_select",
                "metadata": {"display_type": "checkbox"},
                "choices": [{"choice_label": f"c{i}"} for i in range(21)],
            },
            ["at most 20"],
        ),
    ],
)
def test_a_wrongly_typed_field_definition_is_refused(
    emulator: Any, body: dict[str, Any], words: list[str]
) -> None:
    _refused(emulator.api.post("/contact_custom_fields", json=body), *words)
    assert emulator.api.get("/contact_custom_fields").json()["custom_fields"] == []


def test_metadata_the_texts_do_not_bound_is_taken_as_the_schema_types_it(emulator: Any) -> None:
    # No text lists display formats or bounds decimal_places unless integer is false.
    day = _field(
        emulator, label="Day", type="date", version=2, metadata={"display_format": "DD.MM.YY"}
    )
    assert day["metadata"]["display_format"] == "DD.MM.YY"
    places = _field(emulator, label="Places", type="number", metadata={"decimal_places": 6})
    assert places["metadata"]["decimal_places"] == 6
    cid = emulator.new_contact("meta@example.org")["contact_id"]
    for field, good, bad in [(day, "2024-12-31", "31.12.24"), (places, "1.123456", "1.1234567")]:
        value = {"custom_field_id": field["custom_field_id"], "value": good}
        assert _set_value(emulator, cid, "meta@example.org", value).status_code == 200
        value["value"] = bad
        _refused(_set_value(emulator, cid, "meta@example.org", value), field["name"])


def test_contact_values_are_checked_against_the_field(emulator: Any) -> None:
    fruit = _field(
        emulator,
        label="Fruit",
        type="multi_select",
        choices=[{"choice_label": "Apple"}, {"choice_label": "Pear"}],
    )["custom_field_id"]
    one = _field(emulator, label="One", type="single_select", choices=[{"choice_label": "Yes"}])[
        "custom_field_id"
    ]
    count = _field(emulator, label="Count", type="number", metadata={"integer": True})[
        "custom_field_id"
    ]
    price = _field(emulator, label="Price", type="currency", metadata={"decimal_places": 2})[
        "custom_field_id"
    ]
    day = _field(
        emulator, label="Day", type="date", version=2, metadata={"display_format": "MM/DD/YYYY"}
    )["custom_field_id"]
    note = _field(emulator, label="Note", type="string")["custom_field_id"]
    cid = emulator.new_contact("values@example.org")["contact_id"]
    email = "values@example.org"

    for value, words in [
        ({"custom_field_id": fruit, "choice_ids": ["7"]}, ["choice_ids", "'7'", "fruit"]),
        ({"custom_field_id": one, "choice_ids": ["1", "1", "2"]}, ["choice_ids"]),
        ({"custom_field_id": fruit, "value": "Banana"}, ["value", "Banana"]),
        ({"custom_field_id": count, "value": "many"}, ["not a number", "count"]),
        ({"custom_field_id": count, "value": "2.5"}, ["whole numbers"]),
        ({"custom_field_id": count, "value": "-3"}, ["negative"]),
        ({"custom_field_id": price, "value": "1.005"}, ["2 decimal places"]),
        ({"custom_field_id": day, "value": "31/12/2024"}, ["not a date", "MM/DD/YYYY"]),
        ({"custom_field_id": note, "choice_ids": ["1"]}, ["choice_ids", "not a select"]),
        ({"custom_field_id": note, "value": 7}, ["value"]),
    ]:
        _refused(_set_value(emulator, cid, email, value), *words)
    assert "custom_fields" not in emulator.contact(cid, include="custom_fields") or (
        emulator.contact(cid, include="custom_fields")["custom_fields"] == []
    )

    good = [
        {"custom_field_id": fruit, "choice_ids": ["1", "000002"]},
        {"custom_field_id": one, "value": "Yes"},
        {"custom_field_id": count, "value": "12"},
        {"custom_field_id": price, "value": "-4.50"},
        {"custom_field_id": day, "value": "12/31/2024"},
        {"custom_field_id": note, "value": "anything at all"},
    ]
    body = {"email_address": {"address": email}, "custom_fields": good, "update_source": "Account"}
    answer = emulator.api.put(f"/contacts/{cid}", json=body)
    assert answer.status_code == 200, answer.text
    stored = {
        v["custom_field_id"]: v
        for v in emulator.contact(cid, include="custom_fields")["custom_fields"]
    }
    assert stored[fruit] == {
        "custom_field_id": fruit,
        "value": "Apple, Pear",
        "choice_ids": ["1", "2"],
    }
    assert stored[one] == {"custom_field_id": one, "value": "Yes", "choice_ids": ["1"]}
    assert stored[price]["value"] == "-4.50"
    assert stored[day]["value"] == "12/31/2024"


SMS = {
    "full_sms_address": "17815551212",
    "sms_channel_consents": [
        {"sms_consent_permission": "explicit", "consent_type": "promotional_sms"}
    ],
}


def test_a_contact_with_only_an_sms_channel_is_created_and_shown(emulator: Any) -> None:
    answer = emulator.api.post("/contacts", json={"sms_channel": SMS, "create_source": "Account"})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    channel = created["sms_channel"]
    assert (channel["sms_address"], channel["dial_code"], channel["country_code"]) == (
        "7815551212",
        "1",
        "US",
    )
    assert channel["create_source"] == "Account"
    [consent] = channel["sms_channel_consents"]
    assert (consent["sms_consent_permission"], consent["consent_type"]) == (
        "explicit",
        "promotional_sms",
    )
    assert consent["opt_in_date"]
    assert "email_address" not in created
    again = emulator.contact(created["contact_id"], include="custom_fields")
    assert again["sms_channel"]["sms_channel_id"] == channel["sms_channel_id"]
    listed = emulator.api.get("/contacts").json()["contacts"]
    assert [c["sms_channel"]["sms_address"] for c in listed] == ["7815551212"]

    # sms_status filters by the promotional SMS permission (no channel: not_set)
    emulator.new_contact("mail@example.org")
    by_sms = emulator.api.get("/contacts", params={"sms_status": "explicit"}).json()
    assert [c["contact_id"] for c in by_sms["contacts"]] == [created["contact_id"]]
    unset = emulator.api.get("/contacts", params={"sms_status": "not_set"}).json()
    assert [c["email_address"]["address"] for c in unset["contacts"]] == ["mail@example.org"]
    assert len(emulator.api.get("/contacts", params={"sms_status": "all"}).json()["contacts"]) == 2

    # the number belongs to one live contact
    other = {"sms_channel": SMS, "first_name": "Twin", "create_source": "Account"}
    answer = emulator.api.post("/contacts", json=other)
    assert answer.status_code == 409, answer.text
    assert "7815551212" in answer.json()[0]["error_message"]

    # a PUT changes the consent: unsubscribed, with its date
    out = {
        "full_sms_address": "17815551212",
        "sms_channel_consents": [
            {"sms_consent_permission": "unsubscribed", "consent_type": "promotional_sms"}
        ],
    }
    put = {"sms_channel": out, "first_name": "Sam", "update_source": "Contact"}
    answer = emulator.api.put(f"/contacts/{created['contact_id']}", json=put)
    assert answer.status_code == 200, answer.text
    channel = answer.json()["sms_channel"]
    assert channel["update_source"] == "Contact"
    assert channel["sms_channel_consents"][0]["opt_out_date"]


@pytest.mark.parametrize(
    ("sms", "words"),
    [
        ("17815551212", ["sms_channel"]),
        ({"full_sms_address": 17815551212, "sms_channel_consents": []}, ["full_sms_address"]),
        ({"full_sms_address": "17815551212"}, ["sms_channel_consents"]),
        ({"full_sms_address": "447700900123", "sms_channel_consents": []}, ["US number"]),
        (
            {
                "full_sms_address": "17815551212",
                "sms_channel_consents": [
                    {"sms_consent_permission": "explicit", "consent_type": "transactional"}
                ],
            },
            ["consent_type", "promotional_sms"],
        ),
        (
            {
                "full_sms_address": "17815551212",
                "sms_channel_consents": [
                    {"sms_consent_permission": "sure", "consent_type": "promotional_sms"}
                ],
            },
            ["sms_consent_permission", "sure"],
        ),
    ],
)
def test_a_wrongly_typed_sms_channel_is_refused(emulator: Any, sms: Any, words: list[str]) -> None:
    body = {"sms_channel": sms, "first_name": "Pat", "create_source": "Account"}
    _refused(emulator.api.post("/contacts", json=body), *words)
    assert emulator.api.get("/contacts").json()["contacts"] == []


def test_sign_up_by_sms_only_creates_then_matches_by_number(emulator: Any) -> None:
    list_id = emulator.new_list("Texts")
    body = sms_sign_up(list_id, "781-555-1212", advertised_interval="monthly")
    first = emulator.api.post("/contacts/sign_up_form", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["action"] == "created"
    again = emulator.api.post(
        "/contacts/sign_up_form", json={**body, "email_address": "robin@example.org"}
    )
    assert again.status_code == 200, again.text
    assert again.json()["contact_id"] == first.json()["contact_id"]
    shown = emulator.contact(first.json()["contact_id"])
    assert shown["email_address"]["address"] == "robin@example.org"
    consent = shown["sms_channel"]["sms_channel_consents"][0]
    assert (consent["advertised_frequency"], consent["advertised_interval"]) == ("2", "monthly")

    # the SMS counts of GET /contact_lists
    emulator.new_contact("mail-only@example.org", [list_id])
    answer = emulator.api.get(
        "/contact_lists", params={"channel_type": "sms", "include_sms_membership_count": "true"}
    )
    assert answer.status_code == 200, answer.text
    assert [lst["membership_count"] for lst in answer.json()["lists"]] == [1]
    email = emulator.api.get("/contact_lists", params={"include_membership_count": "all"})
    assert [lst["membership_count"] for lst in email.json()["lists"]] == [2]
    plain = emulator.api.get("/contact_lists", params={"include_sms_membership_count": "true"})
    assert "membership_count" not in plain.json()["lists"][0]

    bad = {**body["sms_channel"], "dial_code": "44"}
    answer = emulator.api.post(
        "/contacts/sign_up_form", json={"sms_channel": bad, "list_memberships": [list_id]}
    )
    _refused(answer, "dial_code", "44")
    no_channel = {"list_memberships": [list_id], "first_name": "Nobody"}
    _refused(emulator.api.post("/contacts/sign_up_form", json=no_channel), "sms_channel")


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/contacts", {"include": ""}, ["include", "empty"]),
        ("/contacts", {"include": ","}, ["include", "empty"]),
        ("/contacts", {"status": ""}, ["status", "empty"]),
        ("/contacts/counts", {"include": ""}, ["include", "empty"]),
        ("/account/summary", {"extra_fields": ""}, ["extra_fields", "empty"]),
        ("/contact_lists", {"channel_type": "fax"}, ["channel_type", "fax"]),
        ("/contacts", {"sms_status": "maybe"}, ["sms_status", "maybe"]),
    ],
)
def test_enumerated_parameters_refuse_empty_and_unknown_values(
    emulator: Any, path: str, params: dict[str, str], words: list[str]
) -> None:
    _refused(emulator.api.get(path, params=params), *words)


def test_url_id_beyond_int64_and_a_post_without_create_source_are_refused(
    emulator: Any,
) -> None:
    activity = "5a5d4d2c-1c3e-4c1f-9c33-1e6d0c8c1f11"
    base = f"/reports/email_reports/{activity}/tracking/clicks"
    _refused(emulator.api.get(base, params={"url_id": str(2**63)}), "url_id", "int64")
    # the largest int64 is a valid url_id: the activity is then simply unknown
    assert emulator.api.get(base, params={"url_id": str(2**63 - 1)}).status_code == 404

    body = {"email_address": {"address": "nosource@example.org"}}
    _refused(emulator.api.post("/contacts", json=body), "create_source")
    assert emulator.api.get("/contacts").json()["contacts"] == []


def test_choices_select_values_and_sms_channels_survive_a_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(auto_approve=True, state_file=tmp_path / "cc.sqlite")
    with started(config) as em:
        field = _field(
            em,
            label="Size",
            type="multi_select",
            metadata={"display_type": "dropdown"},
            choices=[{"choice_label": "S"}, {"choice_label": "M", "display_order": 2}],
        )
        body = {
            "sms_channel": SMS,
            "first_name": "Kim",
            "custom_fields": [{"custom_field_id": field["custom_field_id"], "choice_ids": ["2"]}],
            "create_source": "Account",
        }
        answer = em.api.post("/contacts", json=body)
        assert answer.status_code == 201, answer.text
        contact_id = answer.json()["contact_id"]
        before = (
            em.contact(contact_id, include="custom_fields"),
            em.api.get("/contact_custom_fields").json(),
        )
        token = em.token["access_token"]
    with started(config) as em, em.client(token) as api:
        after = api.get(f"/contacts/{contact_id}", params={"include": "custom_fields"}).json()
        assert (after, api.get("/contact_custom_fields").json()) == before
    assert after["custom_fields"][0]["choice_ids"] == ["2"]
    assert after["sms_channel"]["sms_address"] == "7815551212"
