"""Bad requests get 400/413/415 (415 only where declared) with the spec's error array, never a 500.

Every answer also passes through the fixture's conformance hook, which holds error bodies
to D:APIErrorSchema (facts §3, §12.12).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.support.campaigns import seed, send
from tests.support.conformance import find_operation

from listbridge.emulator.config import EmulatorConfig

LIMIT = 64 * 1024
MISSING = "00000000-0000-4000-8000-000000000000"
JSON = {"content-type": "application/json"}


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    # A small body limit, so "oversized" is cheap to send.
    return EmulatorConfig(auto_approve=True, testing_controls=True, max_request_bytes=LIMIT)


@pytest.fixture
def ids(emulator: Any) -> dict[str, Any]:
    created = seed(emulator.control, contacts=5, lists=1, seed=41)
    sent = send(emulator.control, created["list_ids"])
    return {**created, **sent}


def _assert_error(answer: Any, status: int) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body, list)
    assert body
    assert body[0]["error_key"]
    assert body[0]["error_message"]


def _writes(ids: dict[str, Any]) -> list[tuple[str, str]]:
    contact = ids["contact_ids"][0]
    return [
        ("POST", "/contacts"),
        ("PUT", f"/contacts/{contact}"),
        ("POST", "/contacts/sign_up_form"),
        ("PUT", f"/contacts/resubscribe/{contact}"),
        ("POST", "/contact_lists"),
        ("PUT", f"/contact_lists/{ids['list_ids'][0]}"),
        ("POST", "/contact_custom_fields"),
        ("POST", "/contact_tags"),
        ("POST", "/activities/contacts_json_import"),
        ("POST", "/activities/add_list_memberships"),
        ("POST", "/activities/remove_list_memberships"),
        ("POST", "/activities/contact_delete"),
        ("POST", "/activities/list_delete"),
        ("POST", "/activities/contact_exports"),
    ]


def test_malformed_json_is_400(emulator: Any, ids: dict[str, Any]) -> None:
    for method, path in _writes(ids):
        for raw in (b"{", b'{"name": }', b"\xff\xfe", b"[1, 2", b""):
            answer = emulator.api.request(method, path, content=raw, headers=JSON)
            _assert_error(answer, 400)


def test_wrong_json_types_are_400(emulator: Any, ids: dict[str, Any]) -> None:
    wrong = [
        ("POST", "/contacts", {"first_name": 7, "create_source": "Account"}),
        ("POST", "/contacts", {"email_address": "not-an-object", "create_source": "Account"}),
        ("POST", "/contact_lists", {"name": ["a list"]}),
        ("POST", "/contact_lists", {"name": "x", "favorite": "very"}),
        ("POST", "/contact_tags", {"name": {"nested": True}}),
        ("POST", "/activities/contacts_json_import", {"import_data": "all", "list_ids": []}),
        ("POST", "/activities/add_list_memberships", {"source": [], "list_ids": "one"}),
        ("POST", "/activities/contact_delete", {"contact_ids": [1, 2]}),
    ]
    for method, path, body in wrong:
        _assert_error(emulator.api.request(method, path, json=body), 400)
    for raw in (b"[]", b'"text"', b"12", b"null"):
        _assert_error(emulator.api.post("/contacts", content=raw, headers=JSON), 400)


def _declares_415(method: str, path: str) -> bool:
    operation = find_operation(method, f"/v3{path}")
    assert operation is not None, path
    return "415" in operation.spec["responses"]


def test_a_wrong_or_missing_content_type_is_415_only_where_declared(
    emulator: Any, ids: dict[str, Any]
) -> None:
    # Issue 22: the operations that declare only 400 for a bad body answer 400.
    body = json.dumps({"name": "Donors"}).encode()
    declared = set()
    for method, path in _writes(ids):
        expected = 415 if _declares_415(method, path) else 400
        declared.add(expected == 415)
        for media in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
            answer = emulator.api.request(
                method, path, content=body, headers={"content-type": media}
            )
            _assert_error(answer, expected)
            assert "Content-Type must be application/json" in answer.json()[0]["error_message"]
        _assert_error(emulator.api.request(method, path, content=body), expected)  # no type
        _assert_error(emulator.api.request(method, path), expected)  # no body at all
    assert declared == {True, False}, "both kinds of operation are among the writes"


def test_a_hand_set_multipart_type_on_the_file_import_is_415(emulator: Any) -> None:
    # facts §0: the CSV import must not carry a hand-set Content-Type (it lacks the boundary).
    headers = {"content-type": "multipart/form-data"}
    answer = emulator.api.post("/activities/contacts_file_import", content=b"x", headers=headers)
    _assert_error(answer, 415)


def test_oversized_payloads_are_413(emulator: Any, ids: dict[str, Any]) -> None:
    big = {"first_name": "A", "create_source": "Account", "notes": [{"content": "x" * LIMIT}]}
    for method, path in _writes(ids):
        _assert_error(emulator.api.request(method, path, json=big), 413)
    rows = [{"email": f"p{i}@example.org", "first_name": "x" * 40} for i in range(2000)]
    import_body = {"import_data": rows, "list_ids": ids["list_ids"]}
    _assert_error(emulator.api.post("/activities/contacts_json_import", json=import_body), 413)


def test_bad_cursors_are_400(emulator: Any, ids: dict[str, Any]) -> None:
    activity = ids["campaign_activity_id"]
    paged = [
        "/contacts",
        "/contact_lists",
        "/contact_custom_fields",
        "/contact_tags",
        "/activities",
        "/emails",
        "/reports/summary_reports/email_campaign_summaries",
        f"/reports/email_reports/{activity}/tracking/sends",
        f"/reports/email_reports/{activity}/tracking/didnotopens",
    ]
    for path in paged:
        for cursor in ("garbage", "%%%", "bGIxOm5vdGFudW1iZXI", "=" * 5, "x" * 3000):
            _assert_error(emulator.api.get(path, params={"cursor": cursor}), 400)


def test_wrong_query_types_are_400(emulator: Any, ids: dict[str, Any]) -> None:
    activity = ids["campaign_activity_id"]
    wrong = [
        ("/contacts", {"limit": "many"}),
        ("/contacts", {"include_count": "perhaps"}),
        ("/contacts", {"updated_after": "yesterday"}),
        ("/contact_lists", {"limit": "-1"}),
        ("/emails", {"limit": "1.5"}),
        ("/emails", {"before_date": "31/12/2024"}),
        (f"/reports/email_reports/{activity}/tracking/clicks", {"url_id": "first"}),
        (f"/reports/email_reports/{activity}/tracking/opens", {"limit": "1e3"}),
        ("/reports/summary_reports/email_campaign_summaries", {"limit": ""}),
    ]
    for path, params in wrong:
        _assert_error(emulator.api.get(path, params=params), 400)


def test_unknown_fields_are_ignored_because_the_spec_never_forbids_them(emulator: Any) -> None:
    # No request definition in the spec sets additionalProperties: false.
    answer = emulator.api.post("/contact_lists", json={"name": "Donors", "colour": "teal"})
    assert answer.status_code == 201
    assert "colour" not in answer.json()
