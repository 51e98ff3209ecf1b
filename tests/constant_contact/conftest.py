"""A real emulator over loopback for the client's tests, every request held to the spec.

``cc`` gives the emulator's URL, its controls, its state, and ``client(...)``: our own
client (tokens from a real PKCE login made by our own ``oauth`` module) with hooks that
validate every request and response against the official spec and record each exchange,
including the token requests the auth flow makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from tests.constant_contact.limiter_support import key_prefix
from tests.support.conformance import (
    ConformanceError,
    check_request,
    check_response,
    find_operation,
)

from listbridge.constant_contact import oauth
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.tokens import TokenSet
from listbridge.emulator.config import EmulatorConfig, RegisteredClient
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import running_emulator
from listbridge.sync import cc_connection

CLIENT_ID = "listbridge-tests"
SECRET_CLIENT = RegisteredClient("listbridge-confidential", "s3cr3t-client-secret-value")


def _known_operation(request: httpx.Request) -> None:
    """Every /v3 request must name an operation of the official spec."""
    if (
        request.url.path.startswith("/v3/")
        and find_operation(request.method, request.url.path) is None
    ):
        raise ConformanceError(f"{request.method} {request.url.path}: not in the spec")


@dataclass
class Recorder:
    """Every exchange the client made: (method, path, status), and refresh tokens sent."""

    exchanges: list[tuple[str, str, int]] = field(default_factory=list)
    refresh_tokens_sent: list[str] = field(default_factory=list)
    sent_sizes: list[tuple[str, int]] = field(default_factory=list)

    def request_sizes(self, path: str) -> list[int]:
        return [n for p, n in self.sent_sizes if p == path]

    def on_request(self, request: httpx.Request) -> None:
        self.sent_sizes.append((request.url.path, len(request.read())))
        if request.url.path.endswith("/token"):
            form = parse_qs(request.read().decode())
            self.refresh_tokens_sent.extend(form.get("refresh_token", []))

    def on_response(self, response: httpx.Response) -> None:
        request = response.request
        self.exchanges.append((request.method, request.url.path, response.status_code))

    def statuses(self, path_part: str = "/v3/") -> list[int]:
        return [s for _, p, s in self.exchanges if path_part in p]

    def hooks(self) -> dict[str, list[Any]]:
        return {
            "request": [_known_operation, check_request, self.on_request],
            "response": [check_response, self.on_response],
        }


FAST = {"backoff_initial": 0.01, "max_wait_seconds": 0.2, "rate_limit_pause": 0.05}


@dataclass
class CcEmulator:
    base_url: str
    state: EmulatorState
    control: httpx.Client
    recorder: Recorder
    opened: list[ConstantContact] = field(default_factory=list)

    def config(self, **changes: Any) -> ClientConfig:
        base = ClientConfig(
            client_id=CLIENT_ID,
            api_base=f"{self.base_url}/v3",
            auth_base=f"{self.base_url}/oauth2/default/v1",
            **FAST,
        )
        return replace(base, **changes)

    def login(self, config: ClientConfig) -> TokenSet:
        """A real PKCE login through our own oauth module."""
        pending = oauth.begin(config)
        with httpx.Client(event_hooks=self.recorder.hooks()) as http:
            code = oauth.code_from_redirect(pending, oauth.follow_authorize(http, pending))
            return oauth.exchange(http, config, pending, code, datetime.now(UTC))

    def client(
        self,
        vault: MemoryVault | None = None,
        rate: float = 50.0,
        transport: httpx.BaseTransport | None = None,
        **changes: Any,
    ) -> ConstantContact:
        config = self.config(**changes)
        vault = vault or MemoryVault(self.login(config))
        session = ApiSession(
            config,
            vault,
            transport=transport,
            event_hooks=self.recorder.hooks(),
            limiter=Limiter(rate),
        )
        client = ConstantContact(session)
        self.opened.append(client)
        return client

    def close(self) -> None:
        for client in self.opened:
            client.close()

    def faults(self, **faults: Any) -> None:
        self.control.post("/faults", json=faults).raise_for_status()

    def counters(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.control.get("/counters").json()
        return answer

    def wait(self) -> None:
        self.control.post("/activities/wait").raise_for_status()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working: the next call refreshes."""
        with self.state.lock:
            for token in self.state.tokens.values():
                if token.kind == "access":
                    token.expires_at = self.state.now() - 1

    def issued_tokens(self) -> list[str]:
        body = self.control.get("/tokens").json()
        return [*body["access_tokens"], *body["refresh_tokens"]]


@pytest.fixture
def cc_emulator_config() -> EmulatorConfig:
    """Override in a module to start the emulator differently."""
    return EmulatorConfig(auto_approve=True, testing_controls=True, clients=(SECRET_CLIENT,))


@pytest.fixture
def cc(cc_emulator_config: EmulatorConfig) -> Iterator[CcEmulator]:
    state = EmulatorState()
    with (
        running_emulator(cc_emulator_config, state) as base_url,
        httpx.Client(base_url=f"{base_url}/__emulator__", timeout=60) as control,
    ):
        emulator = CcEmulator(base_url, state, control, Recorder())
        try:
            yield emulator
        finally:
            emulator.close()


@pytest.fixture(autouse=True)
def secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own key file; no test touches ~/.config."""
    path = tmp_path / "keys" / "secret.key"
    monkeypatch.setenv("LISTBRIDGE_KEY_FILE", str(path))
    monkeypatch.delenv("LISTBRIDGE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LISTBRIDGE_NEW_SECRET_KEY", raising=False)
    return path


@pytest.fixture
def wired(cc: CcEmulator, monkeypatch: pytest.MonkeyPatch) -> CcEmulator:
    """Clients the CLI and ``sync`` open also validate and record, and run fast."""
    monkeypatch.setattr(
        cc_connection,
        "CLIENT_OPTIONS",
        {"event_hooks": cc.recorder.hooks(), "limiter": Limiter(50.0)},
    )
    return cc


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """The limiter tests' Redis keys: a prefix of the test's own, its keys deleted after."""
    with key_prefix() as name:
        yield name
