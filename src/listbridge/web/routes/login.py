"""Signing in and out: ``/login``, ``/logout`` and ``/signup`` (the first administrator).

Every sign-in starts a new session (a token planted before sign-in is worth nothing
after it), and ends the one the browser came with. Failed attempts are counted per
name and per address (login_guard.py: one still being checked counts against its name
only); a refused attempt says how long to wait.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listbridge.core.errors import UserError
from listbridge.store.users import UserInfo, count_users, verify_login
from listbridge.store.web_sessions import create_session, end_session, use_signup_token
from listbridge.web import login_guard
from listbridge.web.auth import SESSION_COOKIE, app_store, current_session, signed_in
from listbridge.web.csrf import (
    PRE_SESSION_COOKIE,
    check_pre_session,
    keep_pre_session_token,
    pre_session_token,
)
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer, is_secure

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _form_page(
    request: Request, template: str, status: int = 200, **context: object
) -> HTMLResponse:
    token = pre_session_token(request)
    response = render(request, template, None, status, csrf_token=token, **context)
    keep_pre_session_token(response, token, is_secure(request, request.app.state.secure_cookies))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if current_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    no_user = count_users(app_store(request)) == 0
    return _form_page(request, "login.html", next=safe_next(next), no_user=no_user)


@router.post("/login", dependencies=[Depends(check_pre_session)])
def login(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    store, now = app_store(request), datetime.now(UTC)
    address = request.client.host if request.client else "unknown"

    def check() -> UserInfo | None:
        return verify_login(store, name, password) if name and password else None

    user = login_guard.sign_in(store, name, address, now, check)
    if isinstance(user, login_guard.Refused):
        error = user.message
        return _form_page(request, "login.html", 429, next=safe_next(next), name=name, error=error)
    if user is None:
        error = "wrong name or password"
        return _form_page(request, "login.html", 401, next=safe_next(next), name=name, error=error)
    return _signed_in(request, user.id, safe_next(next))


def _signed_in(request: Request, user_id: int, target: str) -> Response:
    store = app_store(request)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        end_session(store, old)  # the browser's previous session ends with this sign-in
    session = create_session(store, user_id)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session.token, expires=session.expires_at, httponly=True,
        samesite="lax", secure=is_secure(request, request.app.state.secure_cookies),
    )  # fmt: skip
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, _viewer: Annotated[Viewer, Depends(signed_in)]) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(app_store(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, token: str = "") -> Response:
    if count_users(app_store(request)) > 0:
        return _closed(request)
    return _form_page(request, "signup.html", token=token)


@router.post("/signup", dependencies=[Depends(check_pre_session)])
def signup(
    request: Request,
    token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    store = app_store(request)
    if count_users(store) > 0:
        return _closed(request)
    if password != password_again:
        error = "the two passwords differ"
        return _form_page(request, "signup.html", 400, token=token, name=name, error=error)
    try:
        user_id = use_signup_token(store, token, name, password)
    except UserError as refused:
        error = str(refused)
        return _form_page(request, "signup.html", 400, token=token, name=name, error=error)
    return _signed_in(request, user_id, "/")


def _closed(request: Request) -> HTMLResponse:
    message = "An administrator exists already: sign in, or ask them for an account."
    return render(request, "error.html", None, 403, title="Sign-up is closed", message=message)
