"""Rendering a page: the Jinja2 environment (autoescape on, so a name like
``<script>alert(1)</script>`` shows as text) and the header every page carries.

Routes render through ``render`` only: it adds who is signed in, the connection switcher
and the CSRF token the page's forms send back, and keeps the chosen connection in its
cookie when the page was opened with ``?connection=NAME``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from listbridge.web.viewer import CONNECTION_COOKIE, Viewer

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `template` for `viewer` (None: signed out, no header controls)."""
    body = ENV.get_template(template).render(
        request=request,
        viewer=viewer,
        csrf_token=viewer.csrf_token if viewer else context.pop("csrf_token", ""),
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    if viewer is not None and viewer.switched:
        # a year: the choice outlives the session, like a preference
        response.set_cookie(
            CONNECTION_COOKIE, viewer.connection or "", max_age=365 * 86400,
            httponly=True, samesite="lax", secure=viewer.secure,
        )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response
