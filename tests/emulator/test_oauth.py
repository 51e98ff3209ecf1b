"""OAuth2 server: code flow with PKCE, confidential clients, rotation, expiry, consent page."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from listbridge.emulator.config import EmulatorConfig, RegisteredClient
from listbridge.emulator.testing import (
    TEST_REDIRECT,
    authorize_code,
    obtain_token,
    pkce_pair,
    running_emulator,
)

AUTHORIZE = "/oauth2/default/v1/authorize"
TOKEN = "/oauth2/default/v1/token"


def exchange(
    base: str, code: str, verifier: str | None, client_id: str = "listbridge-tests", **extra: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": TEST_REDIRECT,
        "client_id": client_id,
    }
    if verifier:
        form["code_verifier"] = verifier
    return httpx.post(f"{base}{TOKEN}", data=form | extra)


def refresh(base: str, token: str, client_id: str = "listbridge-tests") -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id}
    return httpx.post(f"{base}{TOKEN}", data=form)


def contacts(base: str, access_token: str) -> httpx.Response:
    return httpx.get(f"{base}/v3/contacts", headers={"Authorization": f"Bearer {access_token}"})


def test_auto_approve_redirects_back_with_code_and_state(emulator) -> None:
    answer = httpx.get(
        f"{emulator.base_url}{AUTHORIZE}",
        params={
            "response_type": "code",
            "client_id": "any-app",
            "redirect_uri": "http://localhost:9/cb",
            "state": "s1",
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
        },
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["s1"]
    assert query["code"][0]
    assert answer.headers["location"].startswith("http://localhost:9/cb?")


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/cb", "http://[::1", "http://127.0.0.1:99999/cb", "file:///etc/passwd"],
)
def test_a_non_loopback_redirect_uri_is_refused(emulator, redirect_uri: str) -> None:
    answer = httpx.get(
        f"{emulator.base_url}{AUTHORIZE}",
        params={"response_type": "code", "client_id": "x", "redirect_uri": redirect_uri},
    )
    assert answer.status_code == 400
    assert "loopback" in answer.text


def test_the_pkce_flow_gives_tokens_that_open_the_api(emulator) -> None:
    token = obtain_token(emulator.base_url)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 24 * 3600
    assert set(token["scope"].split()) == {"contact_data", "campaign_data", "account_read"}
    assert contacts(emulator.base_url, token["access_token"]).status_code == 200


def test_a_pkce_mismatch_is_rejected(emulator) -> None:
    _, challenge = pkce_pair()
    code = authorize_code(emulator.base_url, challenge=challenge)
    answer = exchange(emulator.base_url, code, "not-the-verifier-" + "x" * 40)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "PKCE" in answer.json()["error_description"]


def test_a_code_works_once(emulator) -> None:
    verifier, challenge = pkce_pair()
    code = authorize_code(emulator.base_url, challenge=challenge)
    assert exchange(emulator.base_url, code, verifier).status_code == 200
    again = exchange(emulator.base_url, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_public_client_must_use_pkce(emulator) -> None:
    code = authorize_code(emulator.base_url)
    answer = exchange(emulator.base_url, code, None)
    assert answer.json()["error"] == "invalid_grant"


def test_refresh_tokens_rotate_and_a_used_one_stops_working(emulator) -> None:
    first = obtain_token(emulator.base_url)
    second = refresh(emulator.base_url, first["refresh_token"])
    assert second.status_code == 200
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"]
    assert renewed["access_token"] != first["access_token"]
    reused = refresh(emulator.base_url, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert refresh(emulator.base_url, renewed["refresh_token"]).status_code == 200
    assert contacts(emulator.base_url, renewed["access_token"]).status_code == 200


def test_a_refresh_token_belongs_to_its_client(emulator) -> None:
    token = obtain_token(emulator.base_url, client_id="app-a")
    answer = refresh(emulator.base_url, token["refresh_token"], client_id="app-b")
    assert answer.json()["error"] == "invalid_grant"


def test_unknown_grant_types_are_refused(emulator) -> None:
    answer = httpx.post(
        f"{emulator.base_url}{TOKEN}", data={"grant_type": "password", "client_id": "x"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_access_tokens_expire_after_the_configured_lifetime() -> None:
    # Three seconds, not one: on a busy machine the first call could come after a
    # one-second token had already run out.
    config = EmulatorConfig(auto_approve=True, access_token_seconds=3)
    with running_emulator(config) as base:
        token = obtain_token(base)
        issued_by = time.monotonic()  # the token was issued before this
        assert token["expires_in"] == 3
        assert contacts(base, token["access_token"]).status_code == 200
        time.sleep(max(0.0, issued_by + 3.2 - time.monotonic()))
        expired = contacts(base, token["access_token"])
        assert expired.status_code == 401
        assert expired.json() == {"error_key": "unauthorized", "error_message": "Unauthorized"}
        renewed = refresh(base, token["refresh_token"]).json()
        assert contacts(base, renewed["access_token"]).status_code == 200


def test_a_confidential_client_must_present_its_secret() -> None:
    config = EmulatorConfig(auto_approve=True, clients=(RegisteredClient("crm-app", "s3cret"),))
    with running_emulator(config) as base:
        verifier, challenge = pkce_pair()
        code = authorize_code(base, client_id="crm-app", challenge=challenge)
        missing = exchange(base, code, verifier, client_id="crm-app")
        assert missing.status_code == 401
        assert missing.json()["error"] == "invalid_client"
        code = authorize_code(base, client_id="crm-app", challenge=challenge)
        wrong = exchange(base, code, verifier, client_id="crm-app", client_secret="nope")
        assert wrong.status_code == 401
        token = obtain_token(base, client_id="crm-app", client_secret="s3cret")
        assert contacts(base, token["access_token"]).status_code == 200
        code = authorize_code(base, client_id="crm-app")
        by_form = exchange(base, code, None, client_id="crm-app", client_secret="s3cret")
        assert by_form.status_code == 200, "a confidential client may skip PKCE"


def test_without_auto_approve_a_consent_page_asks_first() -> None:
    with running_emulator(EmulatorConfig()) as base:
        verifier, challenge = pkce_pair()
        params = {
            "response_type": "code",
            "client_id": "app",
            "redirect_uri": TEST_REDIRECT,
            "state": "st",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        page = httpx.get(f"{base}{AUTHORIZE}", params=params)
        assert page.status_code == 200
        assert "<form" in page.text
        assert "Allow" in page.text
        denied = httpx.post(f"{base}{AUTHORIZE}", data=params | {"decision": "deny"})
        assert "error=access_denied" in denied.headers["location"]
        approved = httpx.post(f"{base}{AUTHORIZE}", data=params | {"decision": "approve"})
        assert approved.status_code == 302
        code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
        assert exchange(base, code, verifier, client_id="app").status_code == 200
        assert httpx.get(f"{base}/__emulator__/counters").status_code == 404, "no controls"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer"])
def test_bad_tokens_get_the_object_form_401(emulator, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = httpx.get(f"{emulator.base_url}/v3/contacts", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"error_key": "unauthorized", "error_message": "Unauthorized"}


def test_a_token_without_the_scope_gets_403(emulator) -> None:
    token = obtain_token(emulator.base_url, scope="account_read")
    answer = contacts(emulator.base_url, token["access_token"])
    assert answer.status_code == 403
    assert answer.json()[0]["error_key"] == "forbidden"


def test_an_unknown_scope_is_reported_to_the_redirect_uri(emulator) -> None:
    answer = httpx.get(
        f"{emulator.base_url}{AUTHORIZE}",
        params={
            "response_type": "code",
            "client_id": "x",
            "redirect_uri": TEST_REDIRECT,
            "scope": "root",
        },
    )
    assert "error=invalid_scope" in answer.headers["location"]


def test_the_tokens_control_lists_every_token_issued(emulator) -> None:
    token = obtain_token(emulator.base_url)
    issued = emulator.control.get("/tokens").json()
    assert token["access_token"] in issued["access_tokens"]
    assert token["refresh_token"] in issued["refresh_tokens"]
    assert emulator.token["access_token"] in issued["access_tokens"]


def test_a_client_registered_through_the_control_becomes_confidential(emulator) -> None:
    answer = emulator.control.post(
        "/clients", json={"client_id": "late-app", "client_secret": "pw"}
    )
    assert answer.status_code == 201
    verifier, challenge = pkce_pair()
    code = authorize_code(emulator.base_url, client_id="late-app", challenge=challenge)
    refused = exchange(emulator.base_url, code, verifier, client_id="late-app")
    assert refused.json()["error"] == "invalid_client"
    token = obtain_token(emulator.base_url, client_id="late-app", client_secret="pw")
    assert contacts(emulator.base_url, token["access_token"]).status_code == 200
