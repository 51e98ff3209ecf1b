"""The screens over a real store: escaping of what users and Constant Contact named,
settings validated beside their field with nothing stored, the custom-field editor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.web.conftest import TestClient, csrf_of

from listbridge.core.tokens import AccountIdentity, OAuthApp, TokenSet
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.secretbox import secret_box
from listbridge.store.settings import effective_settings, set_settings
from listbridge.store.tokens import save_connection

pytestmark = pytest.mark.db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SCREENS = ("/", "/setup", "/getting-started", "/settings", "/setup/disconnect")
SECRETS = ("the-access-token", "the-refresh-token")


def _connect(store: Store, name: str = "default") -> None:
    """A stored authorisation (no server needed to show it), for an account named SCRIPT."""
    now = datetime.now(UTC)
    tokens = TokenSet(SECRETS[0], SECRETS[1], now, now + timedelta(hours=1))
    app = OAuthApp("client", "http://127.0.0.1:1/v3", "http://127.0.0.1:1/oauth2", "http://x/")
    identity = AccountIdentity("acc-1", SCRIPT, SCRIPT, "owner@example.org")
    save_connection(store, connection_id(store, name), secret_box(store), app, tokens, identity)


def test_every_screen_renders_an_account_named_script_as_text(
    admin: TestClient, site: Store
) -> None:
    _connect(site)
    connection_id(site, SCRIPT)  # a connection named so, too (the switcher lists it)
    set_settings(site, connection_id(site, "default"), [f"push.tag={SCRIPT}"])
    for path in SCREENS:
        page = admin.get(path)
        assert page.status_code == 200, path
        assert SCRIPT not in page.text, path
        assert ESCAPED in page.text, path
        assert not any(secret in page.text for secret in SECRETS), path
    assert "<h1>Setup</h1>" in admin.get("/setup").text


def test_a_bad_value_is_named_beside_its_field_and_nothing_is_stored(
    admin: TestClient, site: Store
) -> None:
    form = {
        "csrf_token": csrf_of(admin.get("/settings").text),
        "unsubscribe.interval_minutes": "2",
        "push.tag": "newsletter",
    }
    page = admin.post("/settings", data=form)
    assert page.status_code == 400
    field = page.text.index('name="unsubscribe.interval_minutes"')
    message = page.text.index("invalid value &#39;2&#39; for setting unsubscribe.interval_minutes")
    assert 0 < message - field < 600  # right after its field
    assert 'value="2"' in page.text  # what was typed stays, for correcting
    assert "Nothing was saved" in page.text
    settings = effective_settings(site, connection_id(site, "default"))
    assert settings.explicit == frozenset()  # not even the good value


def test_good_values_are_saved_and_defaults_shown(admin: TestClient, site: Store) -> None:
    page = admin.get("/settings")
    assert (
        "Default: <code>60</code> (in use)" in page.text.replace("\n", " ")
        or "Default:" in page.text
    )
    form = {"csrf_token": csrf_of(page.text), "unsubscribe.interval_minutes": "45"}
    saved = admin.post("/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert 'value="45"' in admin.get(saved.headers["location"]).text
    settings = effective_settings(site, connection_id(site, "default"))
    assert settings.text("unsubscribe.interval_minutes") == "45"


def test_the_custom_field_editor_saves_pairs_and_shows_the_limit(
    admin: TestClient, site: Store
) -> None:
    page = admin.get("/settings")
    assert 'id="pairs-limit">25<' in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "custom_fields_editor": "1",
        "cc_field": ["Member since", "", "Bad"],
        "crm_field": ["custom.member_since", "", "not_a_field"],
    }
    refused = admin.post("/settings", data=form)
    assert refused.status_code == 400
    assert "not a CRM field that can be pushed" in refused.text
    form["cc_field"], form["crm_field"] = ["Member since", ""], ["custom.member_since", ""]
    assert admin.post("/settings", data=form, follow_redirects=False).status_code == 303
    settings = effective_settings(site, connection_id(site, "default"))
    assert settings.text("push.custom_fields") == "Member since=custom.member_since"


def test_a_viewer_sees_settings_but_cannot_save(client: TestClient) -> None:
    from tests.web.conftest import sign_in

    sign_in(client, "viewer")
    page = client.get("/settings")
    assert page.status_code == 200
    assert "Save settings" not in page.text
    form = {"csrf_token": csrf_of(page.text), "push.tag": "x"}
    assert client.post("/settings", data=form).status_code == 403


def test_the_disconnect_page_says_what_goes_and_what_stays(admin: TestClient, site: Store) -> None:
    _connect(site)
    page = admin.get("/setup/disconnect").text
    assert "tokens, account identity and health" in page
    assert "CRM data with its opt-outs" in page
    done = admin.post("/setup/disconnect", data={"csrf_token": csrf_of(page)})
    assert "Disconnected default" in done.text
    assert "not connected" in done.text
