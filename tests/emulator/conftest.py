"""The ``emulator`` fixture: a real emulator over loopback, with an API client and the controls.

``emulator.api`` is an ``httpx.Client`` on ``/v3`` carrying a token obtained through the real
PKCE flow, and it checks every response against the official spec (``tests.support``);
``emulator.control`` reaches ``/__emulator__/``; ``emulator.state`` is the live state object.

Tests on the default settings share one server (started once per session) that is reset,
with its activity queue drained, before each test; a module that overrides
``emulator_config`` (or a test using ``started(...)``) gets a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.support.conformance import conformance_hooks

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import obtain_token, running_emulator


@dataclass
class Emulator:
    base_url: str
    state: EmulatorState
    api: httpx.Client
    control: httpx.Client
    token: dict[str, Any]

    def wait(self) -> None:
        """Until every queued bulk activity has finished."""
        self.control.post("/activities/wait").raise_for_status()

    def new_list(self, name: str) -> str:
        answer = self.api.post("/contact_lists", json={"name": name})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["list_id"])

    def new_contact(
        self, email: str, lists: list[str] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"email_address": {"address": email}, "create_source": "Account", **fields}
        if lists:
            body["list_memberships"] = lists
        answer = self.api.post("/contacts", json=body)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def contact(self, contact_id: str, include: str = "list_memberships") -> dict[str, Any]:
        answer = self.api.get(f"/contacts/{contact_id}", params={"include": include})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def run_activity(self, path: str, body: Any) -> dict[str, Any]:
        """POST a bulk activity, wait for the worker, and return its final status."""
        answer = self.api.post(f"/activities/{path}", json=body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["state"] == "initialized"
        self.wait()
        final = self.api.get(f"/activities/{answer.json()['activity_id']}")
        result: dict[str, Any] = final.json()
        return result

    def client(self, access_token: str | None = None, validate: bool = True) -> httpx.Client:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        hooks = conformance_hooks() if validate else {}
        return httpx.Client(
            base_url=f"{self.base_url}/v3", headers=headers, event_hooks=hooks, timeout=30
        )


def connect(base_url: str, state: EmulatorState) -> Iterator[Emulator]:
    token = obtain_token(base_url)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with (
        httpx.Client(
            base_url=f"{base_url}/v3", headers=headers, event_hooks=conformance_hooks(), timeout=30
        ) as api,
        httpx.Client(base_url=f"{base_url}/__emulator__", timeout=60) as control,
    ):
        yield Emulator(base_url, state, api, control, token)


def start(config: EmulatorConfig) -> Iterator[Emulator]:
    state = EmulatorState()
    with running_emulator(config, state) as base_url:
        yield from connect(base_url, state)


started = contextmanager(start)
"""``with started(EmulatorConfig(...)) as emulator:`` for a test that needs its own settings."""

DEFAULT_CONFIG = EmulatorConfig(auto_approve=True, testing_controls=True)


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Override in a test module to start the emulator differently."""
    return DEFAULT_CONFIG


@pytest.fixture(scope="session")
def shared_emulator_server() -> Iterator[tuple[str, EmulatorState]]:
    """One server for every test on the default settings; each test gets it reset."""
    state = EmulatorState()
    with running_emulator(DEFAULT_CONFIG, state) as base_url:
        yield base_url, state


@pytest.fixture
def emulator(emulator_config: EmulatorConfig, request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A reset emulator with a fresh token (its own server when the settings differ)."""
    if emulator_config != DEFAULT_CONFIG:
        yield from start(emulator_config)
        return
    base_url, state = request.getfixturevalue("shared_emulator_server")
    httpx.post(f"{base_url}/__emulator__/activities/wait", timeout=60).raise_for_status()
    httpx.post(f"{base_url}/__emulator__/reset").raise_for_status()
    yield from connect(base_url, state)
