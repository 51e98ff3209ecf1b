"""`/setup/connect` and `/setup/callback`: the browser's OAuth2 flow, as against the real
service, run against the emulator standing in for Constant Contact's sign-in. The page
sends the browser to the authorisation URL; the emulator (auto-approve) sends it back to
the loopback callback with a code; the callback finishes the same `connect` as the CLI."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
)
from tests.web.conftest import TestClient, csrf_of, sign_in

from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import load_connection
from listbridge.web.app import create_app
from listbridge.web.routes import setup as setup_routes


@pytest.fixture
def loopback(site: Store, cc: CcEmulator, monkeypatch: pytest.MonkeyPatch) -> TestClient:  # noqa: F811
    """The admin signed in on a server at 127.0.0.1 (a loopback redirect URI), with a
    client id, whose "Constant Contact" is the emulator."""
    site.config = replace(site.config, cc_client_id="listbridge-web-test")
    monkeypatch.setattr(setup_routes, "AUTH_BASE", f"{cc.base_url}/oauth2/default/v1")
    monkeypatch.setattr(setup_routes, "API_BASE", f"{cc.base_url}/v3")
    client = TestClient(create_app(site), base_url="http://127.0.0.1")
    sign_in(client, "admin")
    return client


def test_connect_goes_through_the_sign_in_and_back(loopback: TestClient, site: Store) -> None:
    page = loopback.get("/setup")
    sent = loopback.post(
        "/setup/connect", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    authorize = sent.headers["location"]
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["redirect_uri"] == ["http://127.0.0.1/setup/callback"]
    assert asked["code_challenge_method"] == ["S256"]  # PKCE: the verifier stays here
    approved = httpx.get(authorize, follow_redirects=False)  # the person approves
    assert approved.status_code in (302, 303), approved.text
    back = urlsplit(approved.headers["location"])
    done = loopback.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert done.status_code == 303
    assert "Connected+to+Constant+Contact" in done.headers["location"] or (
        "Connected%20to%20Constant%20Contact" in done.headers["location"]
    )
    stored = load_connection(site, connection_id(site, "default"), secret_box(site))
    assert stored is not None
    assert stored.app.client_id == "listbridge-web-test"


def test_a_callback_nobody_asked_for_connects_nothing(loopback: TestClient, site: Store) -> None:
    done = loopback.get("/setup/callback?state=forged&code=stolen", follow_redirects=False)
    assert done.status_code == 303
    assert "error=" in done.headers["location"]
    assert load_connection(site, connection_id(site, "default"), secret_box(site)) is None
