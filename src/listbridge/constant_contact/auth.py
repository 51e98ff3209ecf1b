"""Bearer tokens as an ``httpx.Auth`` flow: refresh before expiry and on a 401.

The flow yields the refresh request itself, so it runs through the client's one
transport and can be driven without I/O. A rotated refresh token is saved to the
vault *before* the new access token is used; a refused refresh marks the connection
"needs reconnect" and raises ``NotConnectedError`` (exit code 4).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from pydantic import BaseModel, ValidationError

from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.errors import error_messages
from listbridge.constant_contact.ports import TokenVault
from listbridge.core.errors import NotConnectedError, RetriableApiError
from listbridge.core.tokens import TokenAnswer, TokenSet, reconnect_message, token_set
from listbridge.crash_points import reached

FORM = "application/x-www-form-urlencoded"


class TokenResponse(BaseModel):
    access_token: str
    expires_in: int = 86_400
    refresh_token: str | None = None
    scope: str = ""
    token_type: str = "Bearer"


def utc_now() -> datetime:
    return datetime.now(UTC)


def token_request(config: ClientConfig, **form: str) -> httpx.Request:
    """A form POST to the token endpoint; a confidential client authenticates with Basic."""
    body = prepare_token_request(form.pop("grant_type"), client_id=config.client_id, **form)
    headers = {"content-type": FORM, "accept": "application/json"}
    if config.client_secret:
        pair = f"{quote(config.client_id)}:{quote(config.client_secret)}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return httpx.Request("POST", config.token_url, content=body, headers=headers)


def parse_token_response(
    response: httpx.Response, now: datetime, previous: TokenSet | None = None
) -> TokenSet:
    """The new tokens, or the error the token endpoint's answer stands for."""
    if response.status_code in (429,) or response.status_code >= 500:
        raise RetriableApiError(f"the token endpoint answered {response.status_code}")
    if response.status_code != 200:
        raise _refused(response)
    try:
        answer = TokenResponse.model_validate_json(response.content)
    except ValidationError as error:
        raise RetriableApiError("the token endpoint sent an unreadable answer") from error
    renew = answer.refresh_token or (previous.refresh_token if previous else None)
    return token_set(TokenAnswer(answer.access_token, answer.expires_in, renew, answer.scope), now)


class RefusedGrantError(NotConnectedError):
    """The token endpoint refused the grant (``invalid_grant``, ``invalid_client``…)."""


def _refused(response: httpx.Response) -> RefusedGrantError:
    try:
        code = str(response.json().get("error", "refused"))
    except (ValueError, AttributeError):
        code = "; ".join(error_messages(response))
    return RefusedGrantError(
        reconnect_message(f"Constant Contact refused the authorisation ({code})")
    )


class RefreshingAuth(httpx.Auth):
    requires_response_body = True

    def __init__(
        self, config: ClientConfig, vault: TokenVault, now: Callable[[], datetime] = utc_now
    ) -> None:
        self._config, self._vault, self._now = config, vault, now
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None
        self.refreshes = 0

    def current(self) -> TokenSet:
        tokens = self._tokens or self._vault.load()
        if tokens is None:
            raise NotConnectedError("not connected to Constant Contact: run `listbridge connect`")
        self._tokens = tokens
        return tokens

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """As httpx's, but the inner flow is always closed, so a refresh lock is released
        even when the transport fails mid-refresh."""
        flow = self.auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = yield request
                response.read()
                try:
                    request = flow.send(response)
                except StopIteration:
                    return
        finally:
            flow.close()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        tokens = self.current()
        if tokens.needs_refresh(self._now()):
            tokens = yield from self._refresh(tokens)
        response = yield _bearer(request, tokens)
        if response.status_code != 401:
            return
        tokens = yield from self._refresh(tokens)
        response = yield _bearer(request, tokens)
        if response.status_code == 401:
            self._give_up("Constant Contact refused a freshly refreshed access token")

    def _refresh(self, seen: TokenSet) -> Generator[httpx.Request, httpx.Response, TokenSet]:
        with self._lock:  # sync_auth_flow closes this flow in a finally: always released
            stored = self._vault.load()
            rotated = stored is not None and stored.access_token != seen.access_token
            if stored is not None and rotated and not stored.needs_refresh(self._now()):
                self._tokens = stored  # another thread or process already rotated
                return stored
            tokens = yield from self._rotate(stored or seen)
            return tokens

    def _rotate(self, old: TokenSet) -> Generator[httpx.Request, httpx.Response, TokenSet]:
        if not old.refresh_token:
            self._give_up("the stored authorisation has no refresh token")
        assert old.refresh_token is not None
        request = token_request(
            self._config, grant_type="refresh_token", refresh_token=old.refresh_token
        )
        response = yield request
        try:
            tokens = parse_token_response(response, self._now(), old)
        except RefusedGrantError as error:
            self._vault.mark_needs_reconnect(str(error))
            self._tokens = None
            raise
        reached("token_refreshed")
        self._vault.save(tokens)  # durable before the new access token is ever sent
        self._tokens = tokens
        self.refreshes += 1
        return tokens

    def _give_up(self, reason: str) -> None:
        message = reconnect_message(reason)
        self._vault.mark_needs_reconnect(message)
        self._tokens = None
        raise NotConnectedError(message)


def _bearer(request: httpx.Request, tokens: TokenSet) -> httpx.Request:
    request.headers["authorization"] = f"Bearer {tokens.access_token}"
    return request
