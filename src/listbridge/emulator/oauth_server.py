"""Authorization codes, PKCE (S256) and rotating refresh tokens, as an OAuth2 server does.

Errors are ``OAuthError``s carrying RFC 6749 codes (``invalid_grant``, ``invalid_client``...).
Callers hold ``state.lock``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.model import Token
from listbridge.emulator.state import EmulatorState

SCOPES = (
    "contact_data",
    "campaign_data",
    "account_read",
    "account_update",
    "billing_data",
    "offline_access",
)
CODE_LIFETIME_US = 10 * 60 * 1_000_000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class AuthCode:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    expires_at: int


def is_loopback(redirect_uri: str) -> bool:
    try:
        parts = urlsplit(redirect_uri)
        host, _ = parts.hostname or "", parts.port  # .port refuses a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS


def check_scope(scope: str | None) -> str:
    wanted = (scope or "contact_data campaign_data account_read").replace("+", " ").split()
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise OAuthError("invalid_scope", f"unknown scope(s): {', '.join(unknown)}")
    return " ".join(dict.fromkeys(wanted))


def issue_code(
    state: EmulatorState, client_id: str, redirect_uri: str, scope: str, challenge: str | None
) -> str:
    code = secrets.token_urlsafe(24)
    state.codes[code] = AuthCode(
        client_id, redirect_uri, scope, challenge, state.now() + CODE_LIFETIME_US
    )
    return code


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def client_secrets(config: EmulatorConfig, state: EmulatorState) -> dict[str, str]:
    """Confidential clients: from the configuration and from ``POST /__emulator__/clients``."""
    return {**state.clients, **{c.client_id: c.client_secret for c in config.clients}}


def authenticate_client(
    registered: dict[str, str], client_id: str | None, secret: str | None
) -> tuple[str, bool]:
    """A registered (confidential) client must present its secret; others are public.

    Returns the client id and whether it is confidential.
    """
    if not client_id:
        raise OAuthError("invalid_client", "client_id is required", 401)
    expected = registered.get(client_id)
    if expected is not None and not (secret and hmac.compare_digest(secret, expected)):
        raise OAuthError("invalid_client", "client authentication failed", 401)
    return client_id, expected is not None


def exchange_code(
    state: EmulatorState,
    config: EmulatorConfig,
    client_id: str,
    code: str | None,
    redirect_uri: str | None,
    verifier: str | None,
    confidential: bool,
) -> dict[str, object]:
    grant = state.codes.pop(code or "", None)  # single use, even when the exchange fails
    if grant is None or grant.expires_at < state.now():
        raise OAuthError("invalid_grant", "the authorization code is invalid, used or expired")
    if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "the code was issued to another client or redirect_uri")
    if grant.challenge is not None:
        if not verifier or not hmac.compare_digest(s256(verifier), grant.challenge):
            raise OAuthError(
                "invalid_grant", "PKCE verification failed: code_verifier does not match"
            )
    elif not confidential:
        raise OAuthError("invalid_grant", "a public client must use PKCE")
    return issue_tokens(state, config, client_id, grant.scope)


def refresh(
    state: EmulatorState, config: EmulatorConfig, client_id: str, value: str | None
) -> dict[str, object]:
    old = state.tokens.get(value or "")
    if old is None or old.kind != "refresh" or old.revoked or old.expires_at < state.now():
        raise OAuthError("invalid_grant", "the refresh token is invalid, used, revoked or expired")
    if old.client_id != client_id:
        raise OAuthError("invalid_grant", "the refresh token was issued to another client")
    old.revoked = True  # rotation: a refresh token works once
    return issue_tokens(state, config, client_id, old.scope)


def issue_tokens(
    state: EmulatorState, config: EmulatorConfig, client_id: str, scope: str
) -> dict[str, object]:
    now = state.now()
    access = Token(
        secrets.token_urlsafe(32), "access", client_id, scope, now, config.access_token_seconds
    )
    renew = Token(
        secrets.token_urlsafe(32), "refresh", client_id, scope, now, config.refresh_token_seconds
    )
    state.tokens[access.value] = access
    state.tokens[renew.value] = renew
    return {
        "access_token": access.value,
        "token_type": "Bearer",
        "expires_in": config.access_token_seconds,
        "refresh_token": renew.value,
        "scope": scope,
    }
