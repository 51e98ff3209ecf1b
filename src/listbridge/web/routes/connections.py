"""``/connections`` (permission `view`): the install's named connections, with their CRM,
Constant Contact account, health and last run, the current one marked; "Switch to" opens
``/connections?connection=NAME``, which the header's switcher remembers (web/pages.py).

``POST /connections`` (permission `connect`) creates one (store/connection_create.py),
optionally using another connection's authorisation as ``connect --reuse OTHER`` does.
The new connection becomes the current one: one that reuses an authorisation is
connected already, so the page says so; any other is taken to /setup to be connected.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listbridge.core.connection_names import check_new_name
from listbridge.core.errors import UserError
from listbridge.store.connection_create import NewConnection, create_connection
from listbridge.store.db import Store
from listbridge.sync.lists.copy_to_crm import ListCopy
from listbridge.web.auth import Connecting, Viewing, app_store
from listbridge.web.connect_flow import copy_lists
from listbridge.web.connections_view import connection_rows
from listbridge.web.errors import page_message
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer

router = APIRouter()


@router.get("/connections", response_class=HTMLResponse)
def connections_page(request: Request, viewer: Viewing, created: str = "") -> HTMLResponse:
    return _page(request, viewer, created=created)


@router.post("/connections")
async def create(
    request: Request,
    viewer: Connecting,
    name: Annotated[str, Form()] = "",
    reuse: Annotated[str, Form()] = "",
) -> Response:
    typed = {"name": name, "reuse": reuse}
    try:
        name = check_new_name(name)
        if name in viewer.connections:
            raise UserError(f"there is already a connection named {name!r}")
    except UserError as error:
        return _page(request, viewer, 400, typed=typed, errors={"name": page_message(error)})
    try:
        made = await run_in_threadpool(_create, app_store(request), name, reuse.strip())
    except UserError as error:
        field = "reuse" if reuse.strip() else "name"
        return _page(request, viewer, 400, typed=typed, errors={field: page_message(error)})
    new, copied = made
    if new.identity is None:  # not connected yet: connect it next
        return RedirectResponse(f"/setup?{urlencode({'connection': new.name})}", status_code=303)
    said = _created(new, reuse.strip(), copied)
    query = urlencode({"connection": new.name, "created": said})
    return RedirectResponse(f"/connections?{query}", status_code=303)


def _create(store: Store, name: str, reuse: str) -> tuple[NewConnection, ListCopy | None]:
    new = create_connection(store, name, reuse or None)
    # as `connect --reuse` does: connect.copy_lists, once connected
    return new, copy_lists(store, new.connection_id) if new.identity else None


def _created(new: NewConnection, reuse: str, copied: ListCopy | None) -> str:
    assert new.identity is not None
    said = (
        f"Created connection {new.name}, using {reuse}'s authorisation: connected to "
        f"Constant Contact as {new.identity.organization_name}."
    )
    if copied is None:
        return said
    if copied.skipped:
        return f"{said} Lists not copied to the CRM: {copied.skipped}"
    return f"{said} Lists copied to the CRM: {len(copied.created)}, paired: {len(copied.paired)}."


def _page(request: Request, viewer: Viewer, status: int = 200, **context: object) -> HTMLResponse:
    rows = connection_rows(app_store(request))
    return render(
        request, "connections.html", viewer, status, title="Connections", rows=rows, **context
    )
