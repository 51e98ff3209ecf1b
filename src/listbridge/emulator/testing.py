"""A real emulator on a free loopback port, and a real PKCE login, for tests and benches.

with running_emulator(EmulatorConfig(testing_controls=True)) as base_url:
    token = obtain_token(base_url)["access_token"]
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn

from listbridge.emulator.app import create_app
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.server import listening_socket
from listbridge.emulator.state import EmulatorState

TEST_REDIRECT = "http://127.0.0.1:53682/callback"
ALL_SCOPES = "contact_data campaign_data account_read"


@contextmanager
def running_emulator(
    config: EmulatorConfig, state: EmulatorState | None = None, port: int = 0
) -> Iterator[str]:
    """Serve the emulator with uvicorn in a thread; yields ``http://127.0.0.1:PORT``.

    ``port`` 0 (the default) takes a free one; ``config.port`` is the command's default.
    """
    sock = listening_socket(config.host, port)
    port = sock.getsockname()[1]
    app = create_app(config, state)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_started(server, thread)
        yield f"http://{config.host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    return verifier, challenge


def authorize_code(
    base_url: str,
    client_id: str = "listbridge-tests",
    challenge: str | None = None,
    scope: str = ALL_SCOPES,
    redirect_uri: str = TEST_REDIRECT,
) -> str:
    """Run the authorize step of an ``--auto-approve`` emulator; returns the code."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "xyz",
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    answer = httpx.get(
        f"{base_url}/oauth2/default/v1/authorize", params=params, follow_redirects=False
    )
    if answer.status_code != 302:
        raise RuntimeError(f"authorize refused: {answer.status_code} {answer.text[:200]}")
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return query["code"][0]


def obtain_token(
    base_url: str,
    client_id: str = "listbridge-tests",
    scope: str = ALL_SCOPES,
    client_secret: str | None = None,
) -> dict[str, Any]:
    """The full PKCE code flow against an auto-approving emulator: the token response."""
    verifier, challenge = pkce_pair()
    code = authorize_code(base_url, client_id, challenge, scope)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": TEST_REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    auth = (client_id, client_secret) if client_secret else None
    answer = httpx.post(f"{base_url}/oauth2/default/v1/token", data=form, auth=auth)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result
