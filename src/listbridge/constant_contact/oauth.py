"""The authorization code flow with PKCE (S256), built on Authlib's RFC 6749/7636 helpers.

``begin`` makes the authorize URL; the user (a browser, a pasted URL, or the headless
``follow_authorize`` against an auto-approving emulator) brings back the redirect URL;
``exchange`` trades its code for tokens. Confidential clients add their secret (Basic).
"""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from listbridge.constant_contact.auth import parse_token_response, token_request
from listbridge.constant_contact.config import ClientConfig
from listbridge.core.errors import NotConnectedError, UserError
from listbridge.core.tokens import TokenSet


@dataclass(frozen=True)
class PendingAuthorization:
    url: str
    state: str = field(repr=False)
    verifier: str = field(repr=False)
    redirect_uri: str


def begin(config: ClientConfig) -> PendingAuthorization:
    verifier, state = generate_token(64), generate_token(24)
    url = prepare_grant_uri(
        config.authorize_url,
        config.client_id,
        "code",
        redirect_uri=config.redirect_uri,
        scope=" ".join(config.scopes),
        state=state,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    return PendingAuthorization(url, state, verifier, config.redirect_uri)


def code_from_redirect(pending: PendingAuthorization, redirect_url: str) -> str:
    """The code in the redirect URL, after checking it answers *our* request."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(redirect_url.strip()).query).items()}
    if "error" in query:
        detail = query.get("error_description", query["error"])
        raise NotConnectedError(f"Constant Contact did not authorise listbridge: {detail}")
    if query.get("state") != pending.state:
        raise UserError("the redirect URL does not answer this connect attempt (state differs)")
    if not query.get("code"):
        raise UserError("the redirect URL carries no authorization code")
    return str(query["code"])


def exchange(
    client: httpx.Client,
    config: ClientConfig,
    pending: PendingAuthorization,
    code: str,
    now: datetime,
) -> TokenSet:
    request = token_request(
        config,
        grant_type="authorization_code",
        code=code,
        redirect_uri=pending.redirect_uri,
        code_verifier=pending.verifier,
    )
    return parse_token_response(client.send(request), now)


def follow_authorize(client: httpx.Client, pending: PendingAuthorization) -> str:
    """Headless approval by an emulator started with ``--auto-approve``: the redirect URL."""
    answer = client.get(pending.url, follow_redirects=False)
    location = str(answer.headers.get("location", ""))
    if answer.status_code not in (302, 303) or not location:
        raise NotConnectedError(
            f"the authorize step answered {answer.status_code} without a redirect; "
            "start the emulator with --auto-approve"
        )
    return location


class _Catcher(http.server.BaseHTTPRequestHandler):
    caught: list[str]

    def do_GET(self) -> None:
        self.caught.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"listbridge is connected: you can close this window.\n")

    def log_message(self, format: str, *args: object) -> None:
        return None  # the query string holds the code: never log it


class RedirectListener:
    """Serves the loopback redirect URI (start it before the browser opens)."""

    def __init__(self, redirect_uri: str) -> None:
        self._parts = urlsplit(redirect_uri)
        self._caught: list[str] = []
        handler = type("Catcher", (_Catcher,), {"caught": self._caught})
        address = (self._parts.hostname or "127.0.0.1", self._parts.port or 80)
        self._server = http.server.HTTPServer(address, handler)
        self._thread = threading.Thread(target=self._server.handle_request, daemon=True)
        self._thread.start()

    def wait(self, timeout: float = 300.0) -> str:
        """The full redirect URL the browser came back to."""
        self._thread.join(timeout)
        self._server.server_close()
        if not self._caught:
            raise NotConnectedError(f"no answer from the browser within {timeout:.0f} s")
        return f"{self._parts.scheme}://{self._parts.netloc}{self._caught[0]}"
