"""Who may reach which route of the web admin, and with what proof.

tests/web/test_route_table.py refuses every route to an anonymous visitor and to a user
with no permission at all, and every POST without its token. This goes further: a user
holding exactly one permission, for each of the five, against the routes of the app
(walked from the route table, each route's permission written down here from design.md,
so a route guarded by the wrong permission fails, and a new route must be classified):
each route reached by its holder, each change refused to the four others, each page to
one of them in turn;
and the CSRF token bound to its own session (another user's token, a header, a JSON body,
the login form from another browser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from httpx import Response
from tests.conftest import empty_store_url
from tests.web.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    TestClient,
    csrf_of,
    sign_in,
    site,
)
from tests.web.test_route_table import _api_routes

from listbridge.core.permissions import Permission
from listbridge.store import passwords
from listbridge.store.db import Store
from listbridge.store.users import add_group, add_user, grant
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

VIEW, RUN, MANAGE = Permission.VIEW, Permission.RUN_SYNCS, Permission.MANAGE_LISTS
SETTINGS, CONNECT = Permission.CHANGE_SETTINGS, Permission.CONNECT
#: every route's permission, by what it does (None: any signed-in user)
NEEDS: dict[tuple[str, str], Permission | None] = {
    ("GET", "/"): VIEW, ("POST", "/dashboard/campaigns"): VIEW,  # one's own table columns
    ("GET", "/dashboard/consent.csv"): VIEW, ("GET", "/dashboard/duplicates"): VIEW,
    ("GET", "/getting-started"): VIEW,
    ("GET", "/settings"): VIEW, ("POST", "/settings"): SETTINGS,
    ("GET", "/setup"): VIEW, ("POST", "/setup/connect-emulator"): CONNECT,
    ("POST", "/setup/connect"): CONNECT, ("GET", "/setup/callback"): CONNECT,
    ("GET", "/setup/disconnect"): CONNECT, ("POST", "/setup/disconnect"): CONNECT,
    ("GET", "/sync"): VIEW, ("POST", "/sync/{action}"): RUN, ("GET", "/sync/events"): VIEW,
    ("GET", "/sync/runs/{run_id}"): VIEW, ("GET", "/sync/runs/{run_id}/errors.csv"): VIEW,
    ("GET", "/lists"): VIEW, ("POST", "/lists"): MANAGE,
    ("POST", "/lists/{name:path}/rename"): MANAGE, ("POST", "/lists/{name:path}/hide"): MANAGE,
    ("POST", "/lists/{name:path}/unhide"): MANAGE, ("GET", "/lists/{name:path}/delete"): MANAGE,
    ("POST", "/lists/{name:path}/delete"): MANAGE,
    ("POST", "/lists/sync/preview"): RUN, ("POST", "/lists/sync"): RUN,
    ("POST", "/lists/refresh"): VIEW, ("POST", "/lists/{name:path}/refresh"): VIEW,
    ("GET", "/lists/{name:path}"): VIEW, ("GET", "/lists/{name:path}/check"): VIEW,
    ("POST", "/lists/{name:path}/remove"): MANAGE, ("POST", "/lists/{name:path}/bind"): MANAGE,
    ("GET", "/lists/{name:path}/add"): MANAGE, ("POST", "/lists/{name:path}/add"): MANAGE,
    ("GET", "/accounts"): VIEW, ("GET", "/accounts/{account_id:path}"): VIEW,
    ("POST", "/accounts/{account_id:path}/push"): RUN,
    ("GET", "/stats"): VIEW, ("GET", "/stats/chart.svg"): VIEW,
    ("GET", "/stats/{campaign_id}.csv"): VIEW, ("GET", "/stats/{campaign_id}.xlsx"): VIEW,
    ("GET", "/stats/{campaign_id}"): VIEW,
    ("GET", "/audit"): VIEW, ("GET", "/audit.csv"): VIEW,
    ("GET", "/connections"): VIEW, ("POST", "/connections"): CONNECT,
    ("POST", "/logout"): None,
}  # fmt: skip
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/signup"), ("POST", "/signup")}


def _route_table(store: Store) -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, route in _api_routes(create_app(store).routes)
        for method in route.methods - {"HEAD"}
    }


def _concrete(path: str) -> str:
    # An id no row has: the permission is checked before any lookup, and an allowed
    # request then changes nothing.
    return re.sub(r"\{[^}]+\}", "nothing-here", path)


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLite alone: who may do what is decided above the database (test_route_table.py
    and the sign-in tests run on both backends)."""
    yield from empty_store_url("sqlite", request, tmp_path)


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2's real parameters take a good part of a second a user on a busy machine
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def one_permission_each(site: Store) -> Store:  # noqa: F811
    """A user per permission, holding that one only: `only_view`, `only_run_syncs`, …"""
    for permission in Permission:
        add_group(site, f"g_{permission.value}")
        grant(site, f"g_{permission.value}", permission)
        add_user(site, f"only_{permission.value}", PASSWORD, groups=[f"g_{permission.value}"])
    return site


def test_every_route_is_classified(site: Store) -> None:  # noqa: F811
    assert _route_table(site) == set(NEEDS) | PUBLIC


def test_a_user_with_one_permission_reaches_exactly_its_routes(one_permission_each: Store) -> None:
    app, walked = create_app(one_permission_each), 0
    for held in Permission:
        with TestClient(app) as browser:
            sign_in(browser, f"only_{held.value}")
            walked += _walk_as(browser, held)
            assert browser.get("/login", follow_redirects=False).status_code == 303  # signed in
    # each route by its holder; a POST by the four others, a page by one of them in turn
    posts = sum(1 for (method, _), needed in NEEDS.items() if method == "POST" and needed)
    assert walked == (len(NEEDS) - 1) * 2 + posts * 3


def _walkers(index: int, method: str, needed: Permission) -> set[Permission]:
    """Who tries route number `index`: its holder, and every other role for a change (a
    POST), one other role in turn for a page (the 403 names the permission the guard asks
    for, so one refusal tells the guard; the rotation has every role refused some pages)."""
    others = [permission for permission in Permission if permission != needed]
    return {needed, *(others if method == "POST" else [others[index % len(others)]])}


def _walk_as(browser: TestClient, held: Permission) -> int:
    """The routes `held`'s holder tries (_walkers); how many."""
    token, walked = csrf_of(browser.get("/").text), 0  # a 403 page, too, offers signing out
    for index, ((method, path), needed) in enumerate(sorted(NEEDS.items(), key=str)):
        if needed is None or held not in _walkers(index, method, needed):
            continue  # signing out: tests/web/test_login.py
        data = {"csrf_token": token} if method == "POST" else None
        answer = browser.request(method, _concrete(path), data=data, follow_redirects=False)
        walked += 1
        status = (held.value, method, path, answer.status_code)
        if needed == held:
            # allowed: answered (a page, a redirect, "no such list"), never refused or a crash
            assert answer.status_code not in (401, 403, 500), status
            continue
        assert answer.status_code == 403, status
        assert f"needs the &#39;{needed.value}&#39; permission" in answer.text, status
    return walked


def _posts() -> list[str]:
    return [_concrete(path) for (method, path), _ in NEEDS.items() if method == "POST"]


def _stale(answer: Response) -> bool:
    return answer.status_code == 403 and "not sent by this site" in answer.text


def test_a_token_works_only_with_its_own_session(site: Store) -> None:  # noqa: F811
    """Another user's token, a token sent in JSON, a wrong header: all refused, on every
    state-changing route, before anything else is looked at."""
    app = create_app(site)
    with TestClient(app) as other, TestClient(app) as browser:
        sign_in(other, "viewer")
        foreign = csrf_of(other.get("/").text)
        sign_in(browser, "admin")
        own = csrf_of(browser.get("/").text)
        assert own != foreign
        for path in _posts():
            tries = [
                browser.post(path, data={"csrf_token": foreign}, follow_redirects=False),
                browser.post(path, json={"csrf_token": own}, follow_redirects=False),
                browser.post(path, headers={"X-CSRF-Token": foreign}, follow_redirects=False),
                browser.post(
                    path,
                    data={"csrf_token": own},
                    headers={"X-CSRF-Token": own[:-1]},
                    follow_redirects=False,
                ),
            ]
            assert [_stale(answer) for answer in tries] == [True] * 4, path
        # and the right token in the header is accepted (scripts send it there)
        signed_out = browser.post("/logout", headers={"X-CSRF-Token": own}, follow_redirects=False)
        assert signed_out.status_code == 303


def test_the_login_form_token_belongs_to_its_browser(site: Store) -> None:  # noqa: F811
    """Login CSRF: a foreign page posting its own form token (from its own visit) into a
    victim's browser cannot sign the victim in as the attacker."""
    app = create_app(site)
    with TestClient(app) as attacker, TestClient(app) as victim:
        attackers_token = csrf_of(attacker.get("/login").text)
        victim.get("/login")  # the victim's browser has a form cookie of its own
        data = {"name": "viewer", "password": PASSWORD, "csrf_token": attackers_token}
        forged = victim.post("/login", data=data, follow_redirects=False)
        assert _stale(forged)
        assert victim.get("/", follow_redirects=False).status_code == 303  # not signed in
        no_cookie = TestClient(app).post("/login", data=data, follow_redirects=False)
        assert _stale(no_cookie)
