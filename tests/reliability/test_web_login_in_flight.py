"""Sign-ins at the same instant from one address, over real HTTP (issue 20, found by the
web load test): an office behind one router where fifty people sign in at nine.

Each attempt is marked in flight before its password is checked (so that guesses sent at
once are all counted); the mark counted against the address as a failure did, and fifty
right passwords at once had 28 refused "try again in 15 minutes". Now a mark counts
against its name only: the fifty all get in, while guesses sent at once for one name are
still held to the name's limit, and wrong guesses for many names still lock the address
once they have failed.

The web admin is served by uvicorn in a thread (real sockets, every client 127.0.0.1),
with cheap argon2 parameters whose checks wait until enough of them are under way: the
attempts are in flight together however fast or busy the machine is.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import func, select
from tests.web.conftest import PASSWORD, site  # noqa: F401 (fixture)

from listbridge.core.login_limit import DEFAULT_LIMIT
from listbridge.store import passwords
from listbridge.store.db import Store
from listbridge.store.models import WebLoginFailure
from listbridge.store.users import add_user
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OFFICE = 50
#: how long a check waits for the others before it goes on alone
PATIENCE_S = 20.0


class HeldChecks(PasswordHasher):
    """Cheap argon2 (as tests/web/conftest.py's) whose checks wait until `together` of
    them are under way, or `patience` seconds have passed; `peak`: the most at once."""

    def __init__(self, together: int, patience: float = PATIENCE_S) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.together, self.patience, self.under_way, self.peak = together, patience, 0, 0
        self.lock, self.enough = threading.Lock(), threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.under_way += 1
            self.peak = max(self.peak, self.under_way)
            if self.under_way >= self.together:
                self.enough.set()
        try:
            self.enough.wait(self.patience)
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.under_way -= 1


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The users made with the cheap parameters too (the real ones cost 0.2 s of CPU a
    hash: fifty users, ten seconds)."""
    monkeypatch.setattr(passwords, "HASHER", HeldChecks(together=1))


def hold_checks(
    monkeypatch: pytest.MonkeyPatch, together: int, patience: float = PATIENCE_S
) -> HeldChecks:
    held = HeldChecks(together, patience)
    monkeypatch.setattr(passwords, "HASHER", held)
    return held


@contextmanager
def served(store: Store) -> Iterator[str]:
    """The web admin over `store`, by uvicorn in a thread: its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(store), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "uvicorn stopped at its start"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


async def _sign_in_at_once(
    base: str, people: list[tuple[str, str]], local_address: str = "127.0.0.1"
) -> list[httpx.Response]:
    """Each (name, password) by a browser of its own: the login pages first, then every
    form sent at the same instant; the answers, in order."""
    clients = [
        httpx.AsyncClient(
            base_url=base,
            timeout=120,
            transport=httpx.AsyncHTTPTransport(local_address=local_address),
        )
        for _ in people
    ]
    try:
        pages = await asyncio.gather(*(client.get("/login") for client in clients))
        forms = []
        for (name, password), page in zip(people, pages, strict=True):
            found = _CSRF.search(page.text)
            assert page.status_code == 200, page.text[:500]
            assert found, page.text[:500]
            forms.append({"name": name, "password": password, "csrf_token": found.group(1)})
        posts = (client.post("/login", data=f) for client, f in zip(clients, forms, strict=True))
        return list(await asyncio.gather(*posts))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


def sign_in_at_once(
    base: str, people: list[tuple[str, str]], local_address: str = "127.0.0.1"
) -> list[int]:
    return [r.status_code for r in asyncio.run(_sign_in_at_once(base, people, local_address))]


def marks_left(store: Store) -> int:
    """Failures and marks in flight, all names."""
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(WebLoginFailure)) or 0


def test_fifty_people_signing_in_at_once_from_one_address_all_get_in(
    site: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff = [(f"staff{n:02}", PASSWORD) for n in range(OFFICE)]
    for name, password in staff:
        add_user(site, name, password)
    # more in flight at once than the address may fail: what locked the office out
    held = hold_checks(monkeypatch, together=DEFAULT_LIMIT.per_address + 5)
    with served(site) as base:
        answers = sign_in_at_once(base, staff)
    assert answers == [303] * OFFICE, {code: answers.count(code) for code in set(answers)}
    assert held.peak >= DEFAULT_LIMIT.per_address + 5, held.peak
    assert marks_left(site) == 0  # each success cleared its mark


def test_guesses_at_once_for_one_name_are_held_to_its_limit(
    site: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the checks that got through wait for each other a little: all in flight together
    held = hold_checks(monkeypatch, together=DEFAULT_LIMIT.per_user, patience=2)
    with served(site) as base:
        answers = sign_in_at_once(base, [("admin", "a wrong guess 123")] * 20)
        checked = answers.count(401)
        assert checked <= DEFAULT_LIMIT.per_user, answers
        assert answers.count(429) == 20 - checked, answers
        held.enough.set()  # one by one now, no check waits for others
        # the guesses left before the lock are exactly the ones not spent
        while sign_in_at_once(base, [("admin", "a wrong guess 456")]) == [401]:
            checked += 1
        assert checked == DEFAULT_LIMIT.per_user
        assert sign_in_at_once(base, [("admin", PASSWORD)]) == [429]  # even the right one
        assert sign_in_at_once(base, [("viewer", PASSWORD)]) == [303]  # others get in
    assert held.peak <= DEFAULT_LIMIT.per_user


def test_guesses_at_once_for_many_names_lock_the_address_once_failed(
    site: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guesses = DEFAULT_LIMIT.per_address + 5
    hold_checks(monkeypatch, together=guesses)
    with served(site) as base:
        answers = sign_in_at_once(base, [(f"guess{n}", "hunter2hunter2") for n in range(guesses)])
        assert answers == [401] * guesses  # in flight together: none had failed yet
        late = asyncio.run(_sign_in_at_once(base, [("viewer", PASSWORD)] * 3))
        assert [r.status_code for r in late] == [429] * 3  # the right password, too late
        assert "too many attempts, try again in 15 minutes" in late[0].text
        # another address is another count
        assert sign_in_at_once(base, [("viewer", PASSWORD)], local_address="127.0.0.2") == [303]
