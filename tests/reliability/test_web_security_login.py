"""Password guessing and session fixation, on both backends (the failures and sessions are
rows of the store, shared by every server process).

tests/web/test_login.py checks one name locked after five failures and a new session at
each sign-in. Here: a guesser trying many names from one address, guesses sent all at
once (each must count before its answer), the lock seen by another server process, and
the sign-up of the first administrator, which must not keep a planted session either.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from httpx import Response
from tests.web.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    TestClient,
    csrf_of,
    sign_in,
    site,
)

from listbridge.core.login_limit import DEFAULT_LIMIT
from listbridge.store import passwords
from listbridge.store.db import Store
from listbridge.store.users import count_users
from listbridge.store.web_sessions import create_signup_token, session_of
from listbridge.web.app import create_app
from listbridge.web.auth import SESSION_COOKIE

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2's real parameters take a good part of a second a try on a busy machine; the
    # window between the check and the count is there with cheap hashes too
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


#: where the backends make no difference (the race below is run on both)
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
GUESSER = ("203.0.113.9", 41000)  # an address of the documentation range


def _answer(browser: TestClient, name: str, password: str) -> Response:
    token = csrf_of(browser.get("/login").text)
    data = {"name": name, "password": password, "csrf_token": token}
    return browser.post("/login", data=data, follow_redirects=False)


def _attempt(browser: TestClient, name: str, password: str) -> int:
    return _answer(browser, name, password).status_code


@SQLITE_ONLY
def test_many_names_from_one_address_lock_that_address(site: Store) -> None:  # noqa: F811
    app = create_app(site)
    with TestClient(app, client=GUESSER) as guesser:
        names = [f"guess{i}" for i in range(DEFAULT_LIMIT.per_address)]
        assert [_attempt(guesser, name, "hunter2hunter2") for name in names] == [401] * len(names)
        answer = _answer(guesser, "viewer", PASSWORD)  # the right password, too late
        assert answer.status_code == 429
        assert "too many attempts, try again in 15 minutes" in answer.text
    with TestClient(create_app(site), client=("198.51.100.4", 41000)) as colleague:
        assert _attempt(colleague, "viewer", PASSWORD) == 303  # another address, another server


def test_guesses_sent_at_once_are_all_counted(site: Store) -> None:  # noqa: F811
    """Twenty wrong passwords for one name in parallel: only the limit's worth is checked."""
    app = create_app(site)
    with TestClient(app, client=GUESSER) as guesser:
        token = csrf_of(guesser.get("/login").text)
        data = {"name": "admin", "password": "wrong guess 123", "csrf_token": token}

        def guess(_: int) -> int:
            return guesser.post("/login", data=data, follow_redirects=False).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(guess, range(20)))
        checked = answers.count(401)
        assert checked <= DEFAULT_LIMIT.per_user, answers
        assert answers.count(429) == 20 - checked  # the others were told to wait
        # one by one now: the guesses left before the lock are exactly the ones not spent
        while _attempt(guesser, "admin", "wrong guess 123") == 401:
            checked += 1
    assert checked == DEFAULT_LIMIT.per_user
    with TestClient(create_app(site)) as admin:  # another server process sees the lock
        assert _attempt(admin, "admin", PASSWORD) == 429


@SQLITE_ONLY
def test_signing_up_the_first_administrator_starts_a_new_session(store: Store) -> None:
    app = create_app(store)
    with TestClient(app) as planter, TestClient(app) as victim:
        token = create_signup_token(store)
        planted = "planted-by-an-attacker"
        victim.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
        form = csrf_of(victim.get(f"/signup?token={token}").text)
        data = {"token": token, "name": "first", "password": PASSWORD, "password_again": PASSWORD}
        answer = victim.post("/signup", data={**data, "csrf_token": form}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        issued = victim.cookies[SESSION_COOKIE]
        assert issued != planted
        assert session_of(store, issued) is not None
        assert count_users(store) == 1
        planter.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
        assert planter.get("/", follow_redirects=False).status_code == 303
