"""``/lists``: the connection's lists on both sides, made, renamed, hidden and deleted, and
kept the same by a list sync (one list's members: list_members.py).

- ``GET /lists`` (view): the table of `lists ls` (members in the CRM and in Constant
  Contact, what fills each list, its last sync) with the forms below, as read from
  Constant Contact at most a minute ago (web/cc_read_cache.py) and saying when;
  ``POST /lists/refresh`` (view): "Read again", then the table.
- ``POST /lists`` (manage_lists): `lists create NAME [--hidden]`;
  ``POST /lists/{name}/rename|hide|unhide|delete`` (manage_lists): the other `lists`
  commands; ``GET /lists/{name}/delete`` (manage_lists) asks first, saying what goes where.
- ``POST /lists/sync/preview`` (run_syncs): `lists sync --dry-run` in the request, with
  the blast-radius guard's question when it would stop the run;
  ``POST /lists/sync`` (run_syncs): the real one, on /sync's job runner, then /sync.

A refusal (a bad or taken name, an unknown list) re-renders the table with the message
beside its form (400; 404 when the list is not there); a busy connection is 409 with who
holds it, as on /sync. The list name is the user's text: it is quoted in every URL.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listbridge.core.errors import ListbridgeError
from listbridge.core.setting_values import Direction
from listbridge.sync.lists import create_list, delete_list, hide_list, rename_list
from listbridge.web.auth import Managing, Running, Viewing, app_store
from listbridge.web.cc_read_cache import cc_reads_of
from listbridge.web.job_notice import WEB
from listbridge.web.job_work import ListSyncKind
from listbridge.web.lists_view import LISTS, Failed, lists_screen, preview_sync
from listbridge.web.pages import render
from listbridge.web.routes.sync import jobs_of
from listbridge.web.viewer import Viewer

router = APIRouter()
Text = Annotated[str, Form()]
Chosen = Annotated[list[str] | None, Form(alias="list")]
Towards = Annotated[Direction | None, Form()]

#: what a finished action says on the page it redirects to (?done=ACTION&name=NAME)
DONE = {
    "create": "Created the list",
    "rename": "Renamed the list; it is now",
    "hide": "Hidden from pickers (it keeps syncing):",
    "unhide": "Shown in pickers again:",
    "delete": "Deleted the list on both sides:",
}


class Status(StrEnum):
    ACTIVE = "active"
    HIDDEN = "hidden"


def _connection(viewer: Viewer) -> int:
    if viewer.connection_id is None:
        raise HTTPException(404, "there is no connection yet: connect on the Setup page")
    return viewer.connection_id


def _origin(viewer: Viewer) -> str:
    return f"{WEB}:{viewer.name}"


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, viewer: Viewing, done: str = "", name: str = "") -> Response:
    said = f"{DONE[done]} “{name}”." if done in DONE and name else ""
    return _screen(request, viewer, said=said)


def _screen(
    request: Request, viewer: Viewer, failed: Failed | None = None, said: str = ""
) -> HTMLResponse:
    screen = None
    if viewer.connection_id is not None:
        screen = lists_screen(app_store(request), viewer.connection_id, cc_reads_of(request))
        failed = screen.placed(failed)
    status = failed.status if failed else 200
    return render(
        request, "lists.html", viewer, status, title="Lists", screen=screen, failed=failed,
        said=said, directions=list(Direction),
    )  # fmt: skip


@router.post("/lists/refresh")
def refresh(request: Request, viewer: Viewing) -> RedirectResponse:
    """Read the lists again now (unless just read: cc_read_cache.REFRESH_FLOOR)."""
    cc_reads_of(request).refresh((_connection(viewer), LISTS))
    return RedirectResponse("/lists", status_code=303)


def _changing(
    request: Request, viewer: Viewer, change: Callable[[], object]
) -> ListbridgeError | None:
    """`change()` done, or the error it was refused with; either way the lists are read
    from Constant Contact again for the next page (a refused change may have found them
    changed elsewhere)."""
    try:
        change()
    except ListbridgeError as error:
        return error
    finally:
        cc_reads_of(request).forget(_connection(viewer))
    return None


def _done(action: str, name: str) -> RedirectResponse:
    # Post/redirect/get: a reload does not repeat the action.
    return RedirectResponse("/lists?" + urlencode({"done": action, "name": name}), 303)


@router.post("/lists")
def create(
    request: Request,
    viewer: Managing,
    name: Text = "",
    status: Annotated[Status, Form()] = Status.ACTIVE,
) -> Response:
    store, connection = app_store(request), _connection(viewer)
    hidden = status is Status.HIDDEN
    error = _changing(request, viewer, lambda: create_list(
        store, connection, name, hidden=hidden, origin=_origin(viewer)))  # fmt: skip
    if error is not None:
        return _screen(request, viewer, Failed.of("create", error, typed=name))
    return _done("create", name.strip())


@router.post("/lists/{name:path}/rename")
def rename(request: Request, viewer: Managing, name: str, new_name: Text = "") -> Response:
    store, connection = app_store(request), _connection(viewer)
    error = _changing(request, viewer, lambda: rename_list(
        store, connection, name, new_name, origin=_origin(viewer)))  # fmt: skip
    if error is not None:
        return _screen(request, viewer, Failed.of("rename", error, name, new_name))
    return _done("rename", new_name.strip())


@router.post("/lists/{name:path}/hide")
def hide(request: Request, viewer: Managing, name: str) -> Response:
    return _hidden(request, viewer, name, True)


@router.post("/lists/{name:path}/unhide")
def unhide(request: Request, viewer: Managing, name: str) -> Response:
    return _hidden(request, viewer, name, False)


def _hidden(request: Request, viewer: Viewer, name: str, hidden: bool) -> Response:
    action = "hide" if hidden else "unhide"
    store, connection = app_store(request), _connection(viewer)
    error = _changing(request, viewer, lambda: hide_list(
        store, connection, name, hidden, origin=_origin(viewer)))  # fmt: skip
    if error is not None:
        return _screen(request, viewer, Failed.of(action, error, name))
    return _done(action, name)


@router.get("/lists/{name:path}/delete", response_class=HTMLResponse)
def delete_page(request: Request, viewer: Managing, name: str) -> Response:
    screen = lists_screen(app_store(request), _connection(viewer), cc_reads_of(request))
    if screen.unavailable:
        return _screen(request, viewer)
    row = screen.row(name)
    if row is None:
        raise HTTPException(404, f"no Constant Contact list named {name!r}")
    title = f"Delete the list {row.lst.name}?"
    action = f"/lists/{quote(row.lst.name, safe='')}/delete"
    return render(request, "lists_delete.html", viewer, title=title, row=row, action=action)


@router.post("/lists/{name:path}/delete")
def delete(request: Request, viewer: Managing, name: str) -> Response:
    store, connection = app_store(request), _connection(viewer)
    error = _changing(request, viewer, lambda: delete_list(
        store, connection, name, origin=_origin(viewer)))  # fmt: skip
    if error is not None:
        return _screen(request, viewer, Failed.of("delete", error, name))
    return _done("delete", name)


@router.post("/lists/sync/preview", response_class=HTMLResponse)
def sync_preview(
    request: Request, viewer: Running, chosen: Chosen = None, direction: Towards = None
) -> Response:
    store, connection = app_store(request), _connection(viewer)
    try:
        preview = preview_sync(store, connection, viewer.name, chosen or [], direction)
    except ListbridgeError as error:
        return _screen(request, viewer, Failed.of("sync", error))
    title = "Guard: sync anyway?" if preview.question else "List sync preview"
    return render(request, "lists_preview.html", viewer, title=title, preview=preview)


@router.post("/lists/sync")
def sync_now(
    request: Request,
    viewer: Running,
    chosen: Chosen = None,
    direction: Towards = None,
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    connection = _connection(viewer)
    runner, _ = jobs_of(request)
    kind = ListSyncKind(tuple(chosen or ()), direction, confirm)
    try:
        runner.start(kind, connection, viewer.name)
    except ListbridgeError as error:
        return _screen(request, viewer, Failed.of("sync", error))
    return RedirectResponse("/sync", status_code=303)
