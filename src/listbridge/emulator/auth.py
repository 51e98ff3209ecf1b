"""The bearer-token check every ``/v3`` route depends on.

Usage in a router: ``dependencies=[Depends(require_scope("campaign_data"))]``.
A missing, unknown, expired or revoked token gets 401 with the object-form body; a token
without the scope gets 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from listbridge.emulator.errors import ApiError
from listbridge.emulator.model import Token
from listbridge.emulator.state import EmulatorState


class Unauthorized(ApiError):
    def __init__(self) -> None:
        super().__init__(401, "Unauthorized", "unauthorized")


def state_of(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def valid_access_token(state: EmulatorState, value: str | None) -> Token | None:
    token = state.tokens.get(value) if value else None
    if token is None or token.kind != "access" or token.revoked:
        return None
    if token.expires_at <= state.clock():
        return None
    return token


def require_scope(scope: str) -> Callable[[Request], Awaitable[Token]]:
    # async: a dict lookup needs no worker thread, and this runs on every request
    async def dependency(request: Request) -> Token:
        state = state_of(request)
        token = valid_access_token(state, bearer_token(request))
        if token is None:
            raise Unauthorized()
        if scope not in token.scope.split():
            raise ApiError(403, f"the access token lacks the {scope} scope", "forbidden")
        return token

    return dependency
