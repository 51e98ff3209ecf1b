"""The web admin: ``create_app(store)`` wires the screens, the static files and the pages
that errors become. Each screen is a router in ``routes/`` guarded by ``auth.require``.

A new screen is one line in ``SCREENS`` below (its module under ``routes/`` exposes
``router``); tests/web/test_route_table.py then checks that it refuses anonymous and
under-privileged requests like every other route.
"""

from __future__ import annotations

import importlib

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from listbridge.core.errors import ListbridgeError
from listbridge.runner.registry import Registry
from listbridge.store.db import Store
from listbridge.web.auth import Forbidden, SignInRequired
from listbridge.web.connect_flow import BrowserConnects
from listbridge.web.errors import page_message, status_of
from listbridge.web.nul_guard import refuse_nul
from listbridge.web.pages import STATIC, render

# ── the screens: one module name per line, each module under routes/ with a `router` ──
SCREENS: list[str] = [
    "login",
    "home",
    "settings",
    "setup",
    "getting_started",
    "sync",
    "lists",
    "list_members",
    "accounts",
    "stats",
    "audit",
    "connections",
    # ── other screens (one line each) ──
]


def create_app(
    store: Store, *, secure_cookies: bool = False, schedules: Registry | None = None
) -> FastAPI:
    """The admin for every connection in `store`; `secure_cookies` marks cookies Secure
    (set it behind a TLS-terminating proxy that forwards plain http). `schedules` is the
    jobs' schedule registry (cli/schedules.py's, which `serve` passes): the home page
    lists the next runs from it, as `listbridge status` does."""
    app = FastAPI(
        title="listbridge", docs_url=None, redoc_url=None, openapi_url=None,
        dependencies=[Depends(refuse_nul)],  # before any route: PostgreSQL takes no NUL
    )  # fmt: skip
    app.state.store = store
    app.state.secure_cookies = secure_cookies
    app.state.schedules = schedules
    app.state.connects = BrowserConnects()  # browser OAuth attempts awaiting their callback
    for name in SCREENS:
        module = importlib.import_module(f"listbridge.web.routes.{name}")
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _handle_errors(app)
    return app


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, error: SignInRequired) -> Response:
        return RedirectResponse(error.next_path, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> HTMLResponse:
        return render(
            request, "error.html", error.viewer, 403, title="Not allowed",
            message=f"Your account may not do this: it needs the {error.permission.value!r} "
            "permission, which an administrator grants to a group "
            f"(listbridge groups grant GROUP {error.permission.value}).",
        )  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> HTMLResponse:
        title = {401: "Sign in first", 403: "Refused", 404: "Not found"}.get(
            error.status_code, "Error"
        )
        return render(
            request, "error.html", None, error.status_code, title=title, message=error.detail
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(str(e["loc"][-1]) for e in error.errors())
        message = f"the request was missing or had a bad {fields}"
        return render(request, "error.html", None, 400, title="Bad request", message=message)

    @app.exception_handler(ListbridgeError)
    async def _listbridge(request: Request, error: ListbridgeError) -> HTMLResponse:
        message = page_message(error)
        return render(request, "error.html", None, status_of(error), title="Error", message=message)
