"""Signing in and out: a new session at every sign-in, a clear refusal, the rate limit."""

from __future__ import annotations

import pytest
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in

from listbridge.core.login_limit import DEFAULT_LIMIT
from listbridge.store.db import Store
from listbridge.store.web_sessions import session_of
from listbridge.web.auth import SESSION_COOKIE

pytestmark = pytest.mark.db


def _post_login(client: TestClient, name: str, password: str, next: str = "/") -> object:
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
