"""Every route of the app refuses an anonymous request and one from a signed-in user
without its permission, and every POST refuses a request without the CSRF token.

The routes come from ``app.routes`` itself: a screen added tomorrow is walked too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from tests.web.conftest import TestClient, csrf_of, sign_in

from listbridge.store.db import Store
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

#: open to anyone: signing in, the first administrator's sign-up
PUBLIC = {"/login", "/signup"}
#: any signed-in user, whatever their permissions: signing out
ANY_USER = {"/logout"}


def _api_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every endpoint with its full path, through included routers (FastAPI keeps an
    included router as one entry of `app.routes`, holding the router it includes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _api_routes(included.routes, prefix + getattr(context, "prefix", ""))


def _routes(store: Store) -> list[tuple[str, str]]:
    found = []
    for full_path, route in _api_routes(create_app(store).routes):
        if full_path in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "1", full_path)  # any id: refusal comes before lookup
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    paths = {path for _, path in found}
    screens = {"/", "/setup", "/getting-started", "/settings", "/sync", "/logout"}
    screens |= {"/lists", "/lists/1", "/accounts", "/accounts/1", "/stats", "/stats/1"}
    assert screens | {"/audit", "/connections"} <= paths, paths
    return found


def test_every_route_refuses_anonymous_requests(client: TestClient, site: Store) -> None:
    for method, path in _routes(site):
        response = client.request(method, path, follow_redirects=False)
        if method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert response.status_code in (401, 403), (method, path, response.status_code)


def test_every_route_refuses_a_user_without_its_permission(client: TestClient, site: Store) -> None:
    sign_in(client, "nobody")
    token = csrf_of(client.get("/").text)  # the 403 page still offers sign-out
    for method, path in _routes(site):
        if path in ANY_USER:
            continue
        data = {"csrf_token": token} if method == "POST" else None
        response = client.request(method, path, data=data, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "permission" in response.text


def test_every_post_refuses_a_request_without_the_csrf_token(
    admin: TestClient, site: Store
) -> None:
    for method, path in _routes(site):
        if method == "GET":
            continue
        response = admin.request(method, path, data={"x": "1"}, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        wrong = admin.request(method, path, data={"csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, (method, path, wrong.status_code)
    # sign-out, too, needs the token: a foreign page cannot sign anyone out
    assert admin.get("/", follow_redirects=False).status_code == 200
