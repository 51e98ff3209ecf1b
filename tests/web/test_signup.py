"""The first administrator: `serve` on a database with no user prints a one-time sign-up
link; the page makes the administrator and signs them in; the link works once, and the
page is closed as soon as someone exists."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.support.net import free_port
from tests.web.conftest import PASSWORD, TestClient, csrf_of

from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.users import list_users
from listbridge.store.web_sessions import create_signup_token
from listbridge.web.app import create_app


def _sign_up(client: TestClient, token: str, name: str, again: str = PASSWORD) -> httpx.Response:
    page = client.get(f"/signup?token={token}")
    assert page.status_code == 200, page.text
    form = {
        "token": token,
        "name": name,
        "password": PASSWORD,
        "password_again": again,
        "csrf_token": csrf_of(page.text),
    }
    return client.post("/signup", data=form, follow_redirects=False)


def test_the_link_makes_the_first_administrator_once(store: Store) -> None:
    connection_id(store, "default")
    token = create_signup_token(store)
    with TestClient(create_app(store)) as client:
        mismatch = _sign_up(client, token, "ann", again="something else entirely")
        assert mismatch.status_code == 400
        assert "the two passwords differ" in mismatch.text
        made = _sign_up(client, token, "ann")
        assert made.status_code == 303, made.text
        assert client.get("/").status_code == 200  # signed in by the sign-up
    [ann] = list_users(store)
    assert (ann.name, ann.admin) == ("ann", True)
    with TestClient(create_app(store)) as other:
        closed = other.get(f"/signup?token={token}")
        assert closed.status_code == 403
        assert "Sign-up is closed" in closed.text


def test_a_wrong_token_makes_nobody(store: Store) -> None:
    connection_id(store, "default")
    create_signup_token(store)
    with TestClient(create_app(store)) as client:
        refused = _sign_up(client, "not-the-token", "eve")
        assert refused.status_code == 400
    assert list_users(store) == []


def test_serve_prints_the_sign_up_link_when_nobody_exists(tmp_path: Path) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    command = [sys.executable, "-m", "listbridge", "--db", db, "serve", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as serve:
        try:
            link = _printed_link(serve)
            assert link.startswith(f"http://127.0.0.1:{port}/signup?token=")
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = httpx.get(link, timeout=5)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "serve never answered"
                    time.sleep(0.2)
            assert page.status_code == 200
            assert 'name="password_again"' in page.text
        finally:
            serve.send_signal(signal.SIGINT)
            serve.wait(timeout=60)


def _printed_link(serve: subprocess.Popen[str]) -> str:
    assert serve.stdout is not None
    for line in serve.stdout:
        if found := re.search(r"(http://\S+/signup\?token=\S+)", line):
            return found.group(1)
    raise AssertionError(f"serve ended ({serve.wait()}) without a sign-up link")
