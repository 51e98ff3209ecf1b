"""``/getting-started`` (permission `view`): how to send CRM people to Constant Contact
and how to import them from it, each with the button that starts it on /sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from listbridge.core.permissions import Permission
from listbridge.core.settings import IMPORT_LISTS, PUSH_MAIN_LIST, PUSH_TAG
from listbridge.store.settings import effective_settings
from listbridge.web.auth import app_store, require
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer

router = APIRouter()


@router.get("/getting-started", response_class=HTMLResponse)
def getting_started(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW))]
) -> HTMLResponse:
    shown: dict[str, str] = {}
    if viewer.connection_id is not None:
        settings = effective_settings(app_store(request), viewer.connection_id)
        shown = {
            spec.key: settings.text(spec.key) for spec in (IMPORT_LISTS, PUSH_MAIN_LIST, PUSH_TAG)
        }
    return render(request, "getting_started.html", viewer, title="Getting started", shown=shown)
