"""``/setup`` (permission `view`; connecting and disconnecting need `connect`): the
connected account, the CRM and its check, connect (emulator or the real service's OAuth
flow, with ``/setup/callback``) and disconnect after a confirmation."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listbridge.constant_contact.config import API_BASE, AUTH_BASE
from listbridge.core.errors import ListbridgeError, UserError
from listbridge.core.tokens import OAuthApp
from listbridge.store.connections import connection_id
from listbridge.store.disconnect import forget_connection
from listbridge.web.auth import Connecting, Viewing, app_store
from listbridge.web.connect_flow import BrowserConnects, connect_headless, emulator_app
from listbridge.web.errors import page_message
from listbridge.web.pages import render
from listbridge.web.setup_view import disconnect_terms, setup_view
from listbridge.web.viewer import DEFAULT_CONNECTION, Viewer

router = APIRouter()


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, viewer: Viewing, done: str = "", error: str = "") -> HTMLResponse:
    return _page(request, viewer, done=done, error=error)


def _page(request: Request, viewer: Viewer, status: int = 200, **context: str) -> HTMLResponse:
    view = None
    if viewer.connection_id is not None:
        view = setup_view(app_store(request), viewer.connection_id)
    return render(request, "setup.html", viewer, status, title="Setup", view=view, **context)


def _target(request: Request, viewer: Viewer) -> int:
    """The connection to connect: the chosen one, else a first one named `default`."""
    if viewer.connection_id is not None:
        return viewer.connection_id
    return connection_id(app_store(request), DEFAULT_CONNECTION)


@router.post("/setup/connect-emulator")
async def connect_emulator(
    request: Request, viewer: Connecting, emulator: Annotated[str, Form()] = ""
) -> Response:
    try:
        app = emulator_app(emulator)
        target = _target(request, viewer)
        connected, _ = await run_in_threadpool(connect_headless, app_store(request), target, app)
    except ListbridgeError as error:
        return _page(request, viewer, 400, error=page_message(error))
    done = f"Connected to Constant Contact: {connected.identity.organization_name}"
    return RedirectResponse(f"/setup?done={quote(done)}", status_code=303)


@router.post("/setup/connect")
async def connect_service(request: Request, viewer: Connecting) -> Response:
    """The real service: off to Constant Contact's sign-in, back at /setup/callback."""
    config = request.app.state.store.config
    if not config.cc_client_id:
        error = "no OAuth client id: start the server with LISTBRIDGE_CC_CLIENT_ID set"
        return _page(request, viewer, 400, error=error)
    app = OAuthApp(
        config.cc_client_id, API_BASE, AUTH_BASE,
        str(request.url_for("setup_callback")), config.cc_client_secret or None,
    )  # fmt: skip
    flows: BrowserConnects = request.app.state.connects
    try:
        url = await run_in_threadpool(
            flows.start, app_store(request), _target(request, viewer), app
        )
    except UserError as error:
        return _page(request, viewer, 400, error=page_message(error))
    return RedirectResponse(url, status_code=303)


@router.get("/setup/callback", name="setup_callback")
async def setup_callback(request: Request, viewer: Connecting, state: str = "") -> Response:
    flows: BrowserConnects = request.app.state.connects
    ok, outcome = await run_in_threadpool(flows.finish, state, str(request.url))
    key = "done" if ok else "error"
    text = f"Connected to Constant Contact: {outcome}" if ok else outcome
    return RedirectResponse(f"/setup?{key}={quote(text)}", status_code=303)


@router.get("/setup/disconnect", response_class=HTMLResponse)
def disconnect_page(request: Request, viewer: Connecting) -> HTMLResponse:
    purged, kept = disconnect_terms()
    return render(request, "disconnect.html", viewer, title="Disconnect", purged=purged, kept=kept)


@router.post("/setup/disconnect")
def disconnect(request: Request, viewer: Connecting) -> Response:
    if viewer.connection_id is None:
        return RedirectResponse("/setup", status_code=303)
    try:
        purged = forget_connection(app_store(request), viewer.connection_id)
    except ListbridgeError as error:
        return _page(request, viewer, 409, error=page_message(error))
    done = f"Disconnected {viewer.connection}; forgot: {', '.join(purged)}."
    return RedirectResponse(f"/setup?done={quote(done)}", status_code=303)
