"""``/settings``: every setting of the connection (permission `view`); saving needs
`change_settings`. A refused value is named beside its field, and nothing is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listbridge.core.permissions import Permission
from listbridge.core.settings import PUSH_CUSTOM_FIELDS
from listbridge.store.settings import effective_settings, set_settings
from listbridge.web.auth import app_store, require
from listbridge.web.pages import render
from listbridge.web.settings_form import (
    CC_FIELD,
    CRM_FIELD,
    MAX_PAIRS,
    changes,
    form_groups,
    pairs_of,
    submitted_pairs,
    typed_pairs,
)
from listbridge.web.viewer import Viewer

router = APIRouter()


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW))],
    saved: int = 0,
) -> HTMLResponse:
    if viewer.connection_id is None:
        return render(request, "settings.html", viewer, title="Settings", groups=None)
    settings = effective_settings(app_store(request), viewer.connection_id)
    return _page(
        request, viewer, groups=form_groups(settings), pairs=pairs_of(settings), saved=saved
    )


@router.post("/settings")
async def save_settings(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.CHANGE_SETTINGS))]
) -> Response:
    if viewer.connection_id is None:
        return RedirectResponse("/settings", status_code=303)
    store = app_store(request)
    form = await request.form()
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    if "custom_fields_editor" in form:
        cc = [v for v in form.getlist(CC_FIELD) if isinstance(v, str)]
        crm = [v for v in form.getlist(CRM_FIELD) if isinstance(v, str)]
        submitted[PUSH_CUSTOM_FIELDS.key] = submitted_pairs(cc, crm)
    settings = effective_settings(store, viewer.connection_id)
    pairs, errors = changes(settings, submitted)
    if errors:
        groups = form_groups(settings, submitted, errors)
        typed = typed_pairs(submitted.get(PUSH_CUSTOM_FIELDS.key, ""))
        return _page(
            request, viewer, status=400, groups=groups, pairs=typed,
            pairs_error=errors.get(PUSH_CUSTOM_FIELDS.key, ""), errors=errors,
        )  # fmt: skip
    if pairs:
        set_settings(store, viewer.connection_id, pairs)
    return RedirectResponse(f"/settings?saved={len(pairs)}", status_code=303)


def _page(request: Request, viewer: Viewer, status: int = 200, **context: object) -> HTMLResponse:
    return render(
        request, "settings.html", viewer, status, title="Settings", max_pairs=MAX_PAIRS,
        pairs_key=PUSH_CUSTOM_FIELDS.key, pairs_help=PUSH_CUSTOM_FIELDS.allowed, **context,
    )  # fmt: skip
