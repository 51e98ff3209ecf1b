"""Who is signed in, and whether they may: the dependencies every route declares.

``require(Permission.X)`` guards a route: an anonymous GET is sent to ``/login?next=…``
(a person followed a link), any other anonymous request gets 401 (a script or a stale
form), a signed-in user without the permission gets the 403 page. For every request that
changes something (anything but GET/HEAD) it also checks the CSRF token
(csrf.py), so a route cannot be state-changing and unprotected by forgetting a step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from listbridge.core.permissions import Permission
from listbridge.store.db import Store
from listbridge.store.web_sessions import SessionInfo, session_of
from listbridge.web.csrf import check_csrf
from listbridge.web.viewer import Viewer, choose_connection, is_secure

SESSION_COOKIE = "listbridge_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def app_store(request: Request) -> Store:
    store = request.app.state.store
    assert isinstance(store, Store)
    return store


def current_session(request: Request) -> SessionInfo | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return session_of(app_store(request), token)


def viewer_of(request: Request, session: SessionInfo) -> Viewer:
    store = app_store(request)
    chosen = choose_connection(store, request)
    user = session.user
    return Viewer(
        user.id, user.name, user.grants, session.csrf_token,
        chosen.names, chosen.name, chosen.id, chosen.switched,
        is_secure(request, request.app.state.secure_cookies),
    )  # fmt: skip


class SignInRequired(Exception):
    """An anonymous GET of a page: the handler in app.py redirects to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='/')}"


async def signed_in(request: Request) -> Viewer:
    """Any signed-in user (sign-out needs no permission); CSRF-checked when not a GET."""
    session = current_session(request)
    if session is None:
        if request.method in ("GET", "HEAD"):
            raise SignInRequired(login_url(request))
        raise HTTPException(401, "sign in first")
    if request.method not in SAFE_METHODS:
        await check_csrf(request, session.csrf_token)
    return viewer_of(request, session)


def require(permission: Permission) -> Callable[[Request], Awaitable[Viewer]]:
    """The dependency of a route that needs `permission`."""

    async def dependency(request: Request) -> Viewer:
        viewer = await signed_in(request)
        if not viewer.grants.can(permission):
            raise Forbidden(viewer, permission)
        return viewer

    dependency.__name__ = f"require_{permission.value}"
    return dependency


class Forbidden(Exception):
    """Signed in, without the permission: the 403 page names it (app.py)."""

    def __init__(self, viewer: Viewer, permission: Permission) -> None:
        super().__init__(permission.value)
        self.viewer = viewer
        self.permission = permission


# ── a route's signed-in viewer, by what the route needs (`viewer: Viewing`) ──
Viewing = Annotated[Viewer, Depends(require(Permission.VIEW))]
Running = Annotated[Viewer, Depends(require(Permission.RUN_SYNCS))]
Managing = Annotated[Viewer, Depends(require(Permission.MANAGE_LISTS))]
Connecting = Annotated[Viewer, Depends(require(Permission.CONNECT))]
