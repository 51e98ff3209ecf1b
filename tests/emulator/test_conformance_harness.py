"""The conformance harness itself: it finds the spec, finds operations, and catches drift."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.support import ccspec
from tests.support.conformance import (
    ConformanceError,
    ConformingTransport,
    conformance_hooks,
    find_operation,
    request_body_problems,
    response_problems,
    validate_request_body,
    validate_response,
)
from tests.support.conformance_live import Live, all_scopes
from tests.support.conformance_run import SpecOperation

UUID = "8987dc1a-48ef-433a-b836-7ca4f9aa3481"


def test_spec_is_found_through_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "spec.yaml"
    copy.write_bytes(ccspec.locate_spec().read_bytes())
    monkeypatch.setenv(ccspec.SPEC_ENV, str(copy))
    assert ccspec.locate_spec() == copy


def test_a_missing_named_spec_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ccspec.SPEC_ENV, str(tmp_path / "absent.yaml"))
    with pytest.raises(ccspec.SpecNotFoundError):
        ccspec.locate_spec()


def test_without_the_variable_the_shared_copy_beside_the_repo_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ccspec.SPEC_ENV, raising=False)
    path = ccspec.locate_spec()
    assert path.name == ccspec.SPEC_NAME
    assert ccspec.load_spec()["info"]["title"] == "AppConnect V3"


def test_a_cached_download_is_reused_without_the_network(tmp_path: Path) -> None:
    cached = tmp_path / ccspec.SPEC_NAME
    cached.write_text("swagger: '2.0'\n")
    assert ccspec._download_spec(cached) == cached


def test_spec_defects_of_section_12_1_are_tolerated() -> None:
    raw = ccspec.load_spec()["definitions"]["ListActivityRemoveContacts"]
    assert raw["properties"]["list_ids"]["maxItems"] == 0
    body = {"source": {"contact_ids": [UUID, UUID]}, "list_ids": [UUID]}
    assert request_body_problems("POST", "/v3/activities/remove_list_memberships", body) == []


def test_home_country_spelling_of_section_12_5_is_accepted() -> None:
    fixed = ccspec.conformant_spec()["definitions"]["JsonImportContact"]["properties"]
    assert "home country" in fixed
    assert "home_country" in fixed


def _template(method: str, path: str) -> str | None:
    operation = find_operation(method, path)
    return operation.template if operation else None


def test_literal_path_segments_win_over_parameters() -> None:
    assert _template("GET", "/v3/contacts/counts") == "/contacts/counts"
    assert _template("GET", f"/v3/contacts/{UUID}") == "/contacts/{contact_id}"
    activity = _template("GET", f"/v3/emails/activities/{UUID}")
    assert activity == "/emails/activities/{campaign_activity_id}"
    assert _template("GET", "/v3/nowhere") is None


def test_a_conforming_response_passes() -> None:
    body = {"campaigns": [{"campaign_id": UUID, "created_at": "2024-01-02T03:04:05.000Z"}]}
    validate_response("GET", "/v3/emails", 200, json.dumps(body).encode())


def test_a_wrongly_typed_field_is_caught() -> None:
    body = {"campaigns": [{"campaign_id": UUID, "type_code": "ten"}]}
    problems = response_problems("GET", "/v3/emails", 200, json.dumps(body).encode())
    assert any("type_code" in p for p in problems)


def test_a_bad_date_time_and_a_missing_required_field_are_caught() -> None:
    row = {"contact_id": UUID, "campaign_activity_id": UUID, "created_time": "yesterday"}
    page = json.dumps({"tracking_activities": [row], "_links": {}}).encode()
    problems = response_problems(
        "GET", f"/v3/reports/email_reports/{UUID}/tracking/bounces", 200, page
    )
    assert any("date-time" in p for p in problems)
    assert any("bounce_code" in p for p in problems)


def test_ids_declared_as_uuid_must_be_uuids() -> None:
    row = {"contact_id": "42", "campaign_activity_id": UUID, "tracking_activity_type": "em_sends"}
    row |= {"email_address": "a@example.org", "created_time": "2024-01-02T03:04:05Z"}
    page = json.dumps({"tracking_activities": [row]}).encode()
    problems = response_problems(
        "GET", f"/v3/reports/email_reports/{UUID}/tracking/sends", 200, page
    )
    assert any("uuid" in p for p in problems)


def test_an_undeclared_success_status_is_caught() -> None:
    problems = response_problems("POST", "/v3/contacts", 200, b"{}")
    assert problems == [
        "POST /v3/contacts -> 200: status 200 is not declared for POST /v3/contacts"
    ]


def test_error_bodies_follow_the_unreferenced_error_schemas_of_section_12_12() -> None:
    array = json.dumps([{"error_key": "k", "error_message": "m"}]).encode()
    single = json.dumps({"error_key": "unauthorized", "error_message": "Unauthorized"}).encode()
    assert response_problems("GET", f"/v3/contacts/{UUID}", 404, array) == []
    assert response_problems("GET", f"/v3/contacts/{UUID}", 401, single) == []
    assert response_problems("GET", f"/v3/contacts/{UUID}", 404, single) != []
    assert response_problems("GET", "/v3/contacts", 500, b"Internal Server Error") != []


def test_a_204_must_be_empty() -> None:
    assert response_problems("DELETE", f"/v3/contacts/{UUID}", 204, b"") == []
    assert response_problems("DELETE", f"/v3/contacts/{UUID}", 204, b"{}") != []


def test_a_csv_download_is_not_held_to_json() -> None:
    path = f"/v3/contact_exports/{UUID}"
    assert response_problems("GET", path, 200, b"email\na@example.org\n", "text/csv") == []


def test_request_bodies_are_checked_against_their_schema() -> None:
    with pytest.raises(ConformanceError, match="first_name"):
        validate_request_body("POST", "/v3/contacts", {"first_name": "x" * 51})
    validate_request_body("POST", "/v3/contacts", {"first_name": "Ada", "create_source": "Account"})
    assert request_body_problems("GET", "/v3/contacts", None) == []
    assert request_body_problems("GET", "/v3/contacts", {"a": 1}) != []


def _serve(status: int, body: object) -> httpx.MockTransport:
    # A stand-in server: these tests are about the hook, not about any server.
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def test_the_httpx_hooks_reject_a_nonconforming_response() -> None:
    transport = _serve(200, {"campaigns": "not a list"})
    with httpx.Client(transport=transport, event_hooks=conformance_hooks()) as client:
        with pytest.raises(ConformanceError, match="campaigns"):
            client.get("https://emulator.test/v3/emails")
        assert client.get("https://emulator.test/other").status_code == 200


def test_the_request_hook_rejects_a_nonconforming_body() -> None:
    hooks = conformance_hooks(requests=True)
    with (
        httpx.Client(transport=_serve(201, {}), event_hooks=hooks) as client,
        pytest.raises(ConformanceError, match="first_name"),
    ):
        client.post("https://emulator.test/v3/contacts", json={"first_name": 7})


def test_the_conforming_transport_checks_both_directions() -> None:
    transport = ConformingTransport(_serve(200, {"campaigns": 3}))
    with httpx.Client(transport=transport, base_url="https://emulator.test/v3") as client:
        with pytest.raises(ConformanceError, match="campaigns"):
            client.get("/emails")
        with pytest.raises(ConformanceError, match="first_name"):
            client.post("/contacts", json={"first_name": 7})
    good = ConformingTransport(_serve(200, {"campaigns": []}))
    with httpx.Client(transport=good, base_url="https://emulator.test/v3") as client:
        assert client.get("/emails").json() == {"campaigns": []}


def test_the_run_token_asks_for_every_scope_of_the_apps_oauth2_flows() -> None:
    scopes = all_scopes().split()
    assert {"contact_data", "campaign_data", "account_read", "account_update"} <= set(scopes)
    assert "v3api/general.partner" not in scopes  # the partners' flow is not the app's


def test_every_emulated_operation_but_the_landing_page_reports_must_succeed() -> None:
    assert SpecOperation("PUT", "/account/summary", emulated=True).must_succeed
    landing = "/reports/landing_pages/campaign_details/{campaign_activity_id}/p_contact_opens"
    assert not SpecOperation("GET", landing, emulated=True).must_succeed
    assert not SpecOperation("GET", "/events", emulated=False).must_succeed


def test_prepared_path_parameters_have_the_declared_type() -> None:
    live = Live("http://127.0.0.1:9")
    try:
        live.ids = {"segment_id": ["7"], "draft_activity_id": ["d"], "campaign_activity_id": ["s"]}
        assert live.path_parameters("/segments/{segment_id}") == {"segment_id": 7}
        abtest = "/emails/activities/{campaign_activity_id}/abtest"
        assert live.path_parameters(abtest) == {"campaign_activity_id": "d"}
        assert live.path_parameters("/emails/activities/{campaign_activity_id}") == {
            "campaign_activity_id": "s"
        }
    finally:
        live.close()
