"""/oauth2/default/v1/authorize and /token: code flow with PKCE and rotating refresh tokens."""

from __future__ import annotations

import base64
import binascii
import html
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from listbridge.emulator import oauth_server as oauth
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import read_limited

router = APIRouter(prefix="/oauth2/default/v1")
AUTH_FIELDS = (
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "response_type",
)


def _bad_authorize(message: str) -> HTMLResponse:
    return HTMLResponse(f"<h1>Authorization request refused</h1><p>{html.escape(message)}</p>", 400)


def _check_authorize(params: dict[str, str]) -> str | None:
    if params.get("response_type") != "code":
        return "response_type must be code"
    if not params.get("client_id"):
        return "client_id is required"
    if not oauth.is_loopback(params.get("redirect_uri", "")):
        return "redirect_uri must be a loopback address (http://127.0.0.1:PORT/... or localhost)"
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge and method != "S256":
        return "code_challenge_method must be S256"
    return None


def _redirect(params: dict[str, str], **answer: str) -> RedirectResponse:
    if params.get("state"):
        answer["state"] = params["state"]
    sep = "&" if "?" in params["redirect_uri"] else "?"
    return RedirectResponse(f"{params['redirect_uri']}{sep}{urlencode(answer)}", 302)


def _approve(request: Request, params: dict[str, str]) -> Response:
    try:
        scope = oauth.check_scope(params.get("scope"))
    except oauth.OAuthError as exc:
        return _redirect(params, error=exc.error, error_description=exc.description)
    state = state_of(request)
    with state.lock:
        code = oauth.issue_code(
            state,
            params["client_id"],
            params["redirect_uri"],
            scope,
            params.get("code_challenge") or None,
        )
    return _redirect(params, code=code)


@router.get("/authorize", response_model=None)
def authorize(request: Request) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in AUTH_FIELDS}
    problem = _check_authorize(params)
    if problem:
        return _bad_authorize(problem)
    if request.app.state.config.auto_approve:
        return _approve(request, params)
    return HTMLResponse(_consent_page(params))


@router.post("/authorize", response_model=None)
async def consent(request: Request) -> Response:
    form = dict(parse_qsl((await read_limited(request, 65536)).decode("utf-8", "replace")))
    params = {k: v for k, v in form.items() if k in AUTH_FIELDS}
    problem = _check_authorize(params)
    if problem:
        return _bad_authorize(problem)
    if form.get("decision") != "approve":
        return _redirect(params, error="access_denied", error_description="the user denied access")
    return _approve(request, params)


def _consent_page(params: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v, quote=True)}">'
        for k, v in params.items()
    )
    client = html.escape(params["client_id"])
    scopes = html.escape(params.get("scope") or "contact_data campaign_data account_read")
    return (
        "<!doctype html><title>Constant Contact emulator: sign in</title>"
        f"<h1>Allow {client} to access your account?</h1><p>Scopes: {scopes}</p>"
        '<form method="post">'
        '<label>User <input name="username" value="emulator"></label> '
        '<label>Password <input name="password" type="password" value="emulator"></label>'
        f"{hidden}"
        '<button name="decision" value="approve">Allow</button> '
        '<button name="decision" value="deny">Deny</button></form>'
    )


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None, None
    return user, password


def _token_error(exc: oauth.OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        exc.status,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/token")
async def token(request: Request) -> JSONResponse:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return _token_error(
            oauth.OAuthError(
                "invalid_request", "send the form as application/x-www-form-urlencoded"
            )
        )
    form = dict(parse_qsl((await read_limited(request, 65536)).decode("utf-8", "replace")))
    try:
        answer = _grant(request, form)
    except oauth.OAuthError as exc:
        return _token_error(exc)
    return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _grant(request: Request, form: dict[str, str]) -> dict[str, object]:
    user, password = _basic_credentials(request)
    config = request.app.state.config
    state = state_of(request)
    grant = form.get("grant_type")
    with state.lock:
        client_id, confidential = oauth.authenticate_client(
            oauth.client_secrets(config, state),
            user or form.get("client_id"),
            password or form.get("client_secret"),
        )
        if grant == "authorization_code":
            return oauth.exchange_code(
                state,
                config,
                client_id,
                form.get("code"),
                form.get("redirect_uri"),
                form.get("code_verifier"),
                confidential,
            )
        if grant == "refresh_token":
            return oauth.refresh(state, config, client_id, form.get("refresh_token"))
    raise oauth.OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")
