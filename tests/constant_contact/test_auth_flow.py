"""The auth flow driven by hand, without I/O: the rotated tokens are saved before the
new access token is sent, and a refused grant marks the connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from listbridge.constant_contact.auth import RefreshingAuth
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.errors import NotConnectedError
from listbridge.core.tokens import TokenSet

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
CONFIG = ClientConfig(client_id="cid", api_base="https://api.test/v3", auth_base="https://a.test")


class SavingVault(MemoryVault):
    """Remembers what was saved at the moment of each save."""

    def __init__(self, tokens: TokenSet) -> None:
        super().__init__(tokens)
        self.saved: list[str] = []

    def save(self, tokens: TokenSet) -> None:
        super().save(tokens)
        self.saved.append(tokens.access_token)


def _flow(vault: MemoryVault) -> tuple[RefreshingAuth, httpx.Request]:
    auth = RefreshingAuth(CONFIG, vault, now=lambda: NOW)
    return auth, httpx.Request("GET", "https://api.test/v3/account/summary")


def tokens(access: str, refresh: str) -> TokenSet:
    return TokenSet(access, refresh, NOW - timedelta(hours=1), NOW + timedelta(hours=23))


def test_a_401_refreshes_saves_then_resends_with_the_new_token() -> None:
    vault = SavingVault(tokens("old-access", "old-refresh"))
    auth, request = _flow(vault)
    flow = auth.sync_auth_flow(request)
    sent = next(flow)
    assert sent.headers["authorization"] == "Bearer old-access"
    refresh = flow.send(httpx.Response(401, json={"error_key": "unauthorized"}))
    assert refresh.url.path == "/token"
    assert b"grant_type=refresh_token" in refresh.content
    assert b"refresh_token=old-refresh" in refresh.content
    answer = {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 86400}
    again = flow.send(httpx.Response(200, json=answer))
    assert vault.saved == ["new-access"]  # saved before the resend below leaves
    assert again.headers["authorization"] == "Bearer new-access"
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200, json={}))


def test_a_refused_grant_marks_the_connection_and_stops_the_flow() -> None:
    vault = MemoryVault(tokens("old-access", "old-refresh"))
    auth, request = _flow(vault)
    flow = auth.sync_auth_flow(request)
    next(flow)
    flow.send(httpx.Response(401, json={"error_key": "unauthorized"}))
    refused = httpx.Response(400, json={"error": "invalid_grant", "error_description": "used"})
    with pytest.raises(NotConnectedError, match="reconnect needed"):
        flow.send(refused)
    assert vault.reconnect_reason is not None
    assert "invalid_grant" in vault.reconnect_reason
    assert not auth._lock.locked()


def test_a_token_about_to_expire_is_refreshed_before_the_first_send() -> None:
    due = TokenSet("old-access", "old-refresh", NOW - timedelta(hours=24), NOW)
    vault = SavingVault(due)
    auth, request = _flow(vault)
    flow = auth.sync_auth_flow(request)
    assert next(flow).url.path == "/token"
    answer = {"access_token": "fresh", "refresh_token": "fresh-r", "expires_in": 86400}
    assert flow.send(httpx.Response(200, json=answer)).headers["authorization"] == "Bearer fresh"
    assert vault.saved == ["fresh"]


def test_a_confidential_client_sends_its_secret_by_basic_auth_only() -> None:
    config = ClientConfig(client_id="cid", client_secret="shh", auth_base="https://a.test")
    due = TokenSet("access-SECRET", "refresh-SECRET", NOW - timedelta(hours=24), NOW)
    auth = RefreshingAuth(config, MemoryVault(due), now=lambda: NOW)
    token_call = next(auth.sync_auth_flow(httpx.Request("GET", "https://api.test/v3/x")))
    assert token_call.headers["authorization"].startswith("Basic ")
    assert b"shh" not in token_call.content
    assert "shh" not in repr(config)
    assert "SECRET" not in repr(due)


def test_the_refresh_margin_is_five_minutes_or_a_tenth_of_a_short_lifetime() -> None:
    from listbridge.core.tokens import refresh_idle_expiry_near

    day = TokenSet("a", "r", NOW, NOW + timedelta(hours=24))
    assert day.margin() == timedelta(minutes=5)
    assert not day.needs_refresh(NOW + timedelta(hours=23, minutes=54))
    assert day.needs_refresh(NOW + timedelta(hours=23, minutes=55))
    short = TokenSet("a", "r", NOW, NOW + timedelta(seconds=10))
    assert short.margin() == timedelta(seconds=1)
    assert refresh_idle_expiry_near(NOW - timedelta(days=167), NOW)
    assert not refresh_idle_expiry_near(NOW - timedelta(days=165), NOW)
