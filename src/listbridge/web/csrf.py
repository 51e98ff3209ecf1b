"""CSRF: every request that changes something carries a token a foreign page cannot know.

Signed in, the token is the session's (``web_sessions``), sent back as the form field
``csrf_token`` or the header ``X-CSRF-Token``. Before sign-in (the login and sign-up
forms) there is no session yet, so the form's token is checked against a cookie of its
own (double submit): a foreign site can make the browser send the cookie, not read it.
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request, Response

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
PRE_SESSION_COOKIE = "listbridge_form"


async def sent_token(request: Request) -> str:
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FIELD)  # Starlette caches the parsed form
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request, expected: str) -> None:
    """403 unless the request sent `expected`."""
    sent = await sent_token(request)
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "the form was stale or not sent by this site: reload it")


def pre_session_token(request: Request) -> str:
    """The login form's token: the cookie's when the browser has one, else a new one."""
    return request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)


def keep_pre_session_token(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        PRE_SESSION_COOKIE, token, max_age=3600, httponly=True, samesite="lax", secure=secure
    )


async def check_pre_session(request: Request) -> None:
    await check_csrf(request, request.cookies.get(PRE_SESSION_COOKIE, ""))
