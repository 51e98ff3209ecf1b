"""The web admin in-process: ``create_app`` over a real store (SQLite and PostgreSQL),
driven by Starlette's TestClient, with users made through the users store API."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from tests.sync.conftest import (  # noqa: F401  (the screens' scenes: a store connected to the emulator)
    cc,
    cc_emulator_config,
    crm_databases,
    crm_name,
    scene,
    secret_key_file,
    wired,
)

with warnings.catch_warnings():
    # Starlette asks for `httpx2` in its test client; httpx (a dependency) does the same job
    # here, and warnings are errors: this one, at import only, is not about our code.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from listbridge.core.permissions import Permission
from listbridge.store import passwords
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.users import add_group, add_user, grant
from listbridge.web.app import create_app

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms send back."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a csrf_token"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters (as tests/integration/test_web_users.py uses): the real ones
    cost 0.2 s of CPU a hash and as much a sign-in, three users and a sign-in or more a
    test; what the screens do does not depend on them."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", cheap)


@pytest.fixture
def site(store: Store) -> Store:
    """A store with a connection and three users: `admin`, `viewer` (group with `view`)
    and `nobody` (signed in, no permission at all)."""
    connection_id(store, "default")
    add_user(store, "admin", PASSWORD, admin=True)
    add_group(store, "viewers")
    grant(store, "viewers", Permission.VIEW)
    add_user(store, "viewer", PASSWORD, groups=["viewers"])
    add_user(store, "nobody", PASSWORD)
    return store


@pytest.fixture
def client(site: Store) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    sign_in(client, "admin")
    return client
