"""Signing in and out: a new session at every sign-in, a clear refusal, the rate limit
(failures, and the marks of attempts in flight: tests/reliability/test_web_login_in_flight.py
sends them at once over real HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in

from listbridge.core.login_limit import DEFAULT_LIMIT
from listbridge.store.db import Store
from listbridge.store.models import WebLoginFailure
from listbridge.store.web_sessions import (
    attempt_failed,
    count_attempt,
    failures_since,
    record_failure,
    session_of,
)
from listbridge.web import login_guard
from listbridge.web.auth import SESSION_COOKIE

pytestmark = pytest.mark.db


def _post_login(client: TestClient, name: str, password: str, next: str = "/") -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    data = {"name": name, "password": password, "csrf_token": token, "next": next}
    return client.post("/login", data=data, follow_redirects=False)


def test_sign_in_goes_where_the_user_was_going(client: TestClient) -> None:
    response = client.get("/settings", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings"
    signed = _post_login(client, "admin", PASSWORD, next="/settings")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/settings"
    cookie = signed.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    home = client.get("/")
    assert home.status_code == 200
    assert "<h1>Home</h1>" in home.text
    assert "Sign out" in home.text
    assert "admin" in home.text


def test_wrong_password_is_refused_and_says_so(client: TestClient) -> None:
    response = _post_login(client, "admin", "not the password")
    assert response.status_code == 401
    assert "wrong name or password" in response.text
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_open_redirect_after_sign_in_is_refused(client: TestClient) -> None:
    response = _post_login(client, "admin", PASSWORD, next="//evil.example/")
    assert response.headers["location"] == "/"


def test_login_without_its_form_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    data = {"name": "admin", "password": PASSWORD}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403


def test_repeated_failures_lock_the_name_out_with_the_wait(client: TestClient) -> None:
    for _ in range(DEFAULT_LIMIT.per_user):
        assert _post_login(client, "Admin", "guess").status_code == 401
    response = _post_login(client, "admin", PASSWORD)  # even the right password, now
    assert response.status_code == 429
    assert "too many attempts, try again in 15 minutes" in response.text
    # another name from the same address is not locked (the address limit is higher)
    assert _post_login(client, "viewer", PASSWORD).status_code == 303


def test_every_sign_in_starts_a_new_session(client: TestClient, site: Store) -> None:
    sign_in(client, "admin")
    first = client.cookies[SESSION_COOKIE]
    client.cookies.delete(SESSION_COOKIE)
    token = csrf_of(client.get("/login").text)
    client.cookies.set(
        SESSION_COOKIE, first, domain="testserver.local"
    )  # signing in again with the session still set
    data = {"name": "admin", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    assert session_of(site, first) is None  # the session the browser came with ended
    assert session_of(site, second) is not None


def test_a_planted_session_token_is_worth_nothing(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="testserver.local")
    assert client.get("/", follow_redirects=False).status_code == 303
    sign_in(client, "admin")
    assert client.cookies[SESSION_COOKIE] != "planted-by-an-attacker"


def test_sign_out_ends_the_session(admin: TestClient, site: Store) -> None:
    token = admin.cookies[SESSION_COOKIE]
    csrf = csrf_of(admin.get("/").text)
    response = admin.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert session_of(site, token) is None
    admin.cookies.set(
        SESSION_COOKIE, token, domain="testserver.local"
    )  # replaying the old cookie opens nothing
    assert admin.get("/", follow_redirects=False).status_code == 303


def test_secure_cookies_behind_tls(site: Store) -> None:
    from listbridge.web.app import create_app

    with TestClient(create_app(site, secure_cookies=True)) as client:
        assert "secure" in client.get("/login").headers["set-cookie"].lower()
    with TestClient(create_app(site), base_url="https://admin.example") as client:
        sign_in(client, "admin")  # https: Secure without being told
        response = client.get("/")
        assert response.status_code == 200


def _rows(store: Store) -> list[tuple[str, str, bool]]:
    """Every failure and mark in flight: (name, address, in flight), in order."""
    query = select(WebLoginFailure.user_key, WebLoginFailure.address, WebLoginFailure.in_flight)
    with store.session() as session:
        rows = session.execute(query.order_by(WebLoginFailure.id))
        return [(name, address, in_flight) for name, address, in_flight in rows]


def test_a_wrong_password_turns_its_mark_into_a_failure_a_right_one_clears_it(
    client: TestClient, site: Store
) -> None:
    assert _post_login(client, "Viewer", "not the password").status_code == 401
    assert _rows(site) == [("viewer", "testclient", False)]  # the name's and the address's
    record_failure(site, "viewer", "10.0.0.7", datetime.now(UTC), in_flight=True)  # elsewhere
    assert _post_login(client, "viewer", PASSWORD).status_code == 303
    # its failures are cleared, and its own mark; the attempt elsewhere is still in flight
    assert _rows(site) == [("viewer", "10.0.0.7", True)]


def test_marks_in_flight_lock_their_name_only_and_stop_counting(
    client: TestClient, site: Store
) -> None:
    now = datetime.now(UTC)
    for _ in range(DEFAULT_LIMIT.per_user):  # as if left by requests that died mid-check
        record_failure(site, "admin", "testclient", now, in_flight=True)
    refused = _post_login(client, "admin", PASSWORD)
    assert refused.status_code == 429
    assert "too many attempts, try again in 2 minutes" in refused.text
    assert _post_login(client, "viewer", PASSWORD).status_code == 303  # not the address
    client.cookies.clear()
    with site.session() as session:  # two minutes on, none counts any more
        for row in session.scalars(select(WebLoginFailure)):
            row.at -= DEFAULT_LIMIT.in_flight_for
    assert _post_login(client, "admin", PASSWORD).status_code == 303


def test_a_check_that_fails_leaves_its_mark_in_flight(site: Store) -> None:
    def broken() -> None:
        raise ConnectionError("the database went away")

    now = datetime.now(UTC)
    with pytest.raises(ConnectionError):
        login_guard.sign_in(site, "admin", "10.0.0.1", now, broken)
    assert _rows(site) == [("admin", "10.0.0.1", True)]  # not a failure of the address
    assert failures_since(site, address="10.0.0.1", since=now - timedelta(minutes=1)) == 0


def test_a_failed_attempt_whose_mark_is_gone_is_written_anew(site: Store) -> None:
    now = datetime.now(UTC)
    mark = count_attempt(site, "Admin", "10.0.0.1", now)
    assert isinstance(mark, int)
    with site.session() as session:
        session.delete(session.get(WebLoginFailure, mark))
    attempt_failed(site, mark, "Admin", "10.0.0.1", now)
    assert _rows(site) == [("admin", "10.0.0.1", False)]


def test_the_guard_refuses_in_whole_minutes(site: Store) -> None:
    now = datetime.now(UTC)
    for _ in range(DEFAULT_LIMIT.per_address):
        record_failure(site, "someone", "10.0.0.1", now - timedelta(minutes=14, seconds=30))
    refused = login_guard.sign_in(site, "admin", "10.0.0.1", now, lambda: None)
    assert refused == login_guard.Refused(1)
    assert refused.message == "too many attempts, try again in 1 minute"
