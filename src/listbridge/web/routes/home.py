"""``/``: the connection's health (permission `view`) — token state, today's API budget,
the next scheduled runs and the latest failures; with no connection, how to make one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from listbridge.core.permissions import Permission
from listbridge.web.auth import app_store, require
from listbridge.web.health_view import connection_health
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW))]
) -> HTMLResponse:
    health = None
    if viewer.connection_id is not None:
        schedules = request.app.state.schedules
        health = connection_health(app_store(request), viewer.connection_id, schedules)
    return render(request, "home.html", viewer, title="Home", health=health)
