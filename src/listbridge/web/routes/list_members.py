"""``/lists/{name}``: one list's members on both sides, adding and removing them, binding it.

- ``GET /lists/{name}`` (view): the binding, the counts of each side (``#crm-members``,
  ``#cc-members``), the members with their state, paged (``?page=N``) and searched
  (``?q=`` on name and e-mail), with checkboxes for "Remove selected".
- ``POST /lists/{name}/remove`` (manage_lists): ``account`` repeated, as
  ``lists remove NAME --account ID …``.
- ``GET /lists/{name}/add`` (manage_lists): the search (default exclusions as removable
  criteria, a criteria builder, the filter text); ``POST …/add`` adds the search's
  accounts (or those ticked), as ``lists add``: through the push, so it takes the lock.
- ``GET /lists/{name}/check?where=…`` (view): the live check of a filter, as JSON.
- ``POST /lists/{name}/bind`` (manage_lists): ``where`` or ``crm_list``, as ``lists bind``.
- ``POST /lists/{name}/refresh`` (view): with a CRM held elsewhere, whose roster is read
  from Constant Contact and kept a minute (web/cc_read_cache.py), "Read again".

A refused change re-renders its page with the message beside the field (400; 409 when
another job holds the connection); a done one goes back to the list page (303) naming
its run.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from listbridge.core.errors import LockHeldError, UserError
from listbridge.core.filter_compose import EXCLUSION_KEYS, EXCLUSIONS, OPERATORS, VALUELESS
from listbridge.store.runs import RunRecord, get_run
from listbridge.sync.lists import add_members, bind_list, remove_members
from listbridge.web.auth import Managing, Viewing, app_store
from listbridge.web.cc_read_cache import cc_reads_of
from listbridge.web.errors import page_message
from listbridge.web.job_notice import WEB
from listbridge.web.list_members_view import (
    FoundList,
    find_list,
    known_lists,
    members_screen,
    roster_key,
)
from listbridge.web.list_search import (
    Search,
    SearchForm,
    check_filter,
    matching_ids,
    run_search,
    search_form,
)
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer

router = APIRouter()
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
Many = Annotated[list[str], Form()]


def _list(request: Request, viewer: Viewer, name: str) -> FoundList:
    if viewer.connection_id is None:
        raise HTTPException(404, "there is no connection yet: connect on the Setup page")
    store = app_store(request)
    found = find_list(store, viewer.connection_id, name)
    if found is None:
        known = known_lists(store, viewer.connection_id)
        raise HTTPException(404, f"There is no list named {name!r} (lists: {known}).")
    return found


def _origin(viewer: Viewer) -> str:
    return f"{WEB}:{viewer.name}"


def list_page(
    request: Request, viewer: Viewing, name: str, page: PageNumber = 1, q: str = "", run: int = 0
) -> HTMLResponse:
    return _members(
        request, viewer, _list(request, viewer, name), page, q, done=_run(request, viewer, run)
    )


def _run(request: Request, viewer: Viewer, run_id: int) -> RunRecord | None:
    if not run_id or viewer.connection_id is None:
        return None
    try:
        return get_run(app_store(request), viewer.connection_id, run_id)
    except UserError:
        return None


def _members(
    request: Request, viewer: Viewer, found: FoundList, page: int = 1, q: str = "", *,
    status: int = 200, refused: str = "", errors: dict[str, str] | None = None,
    done: RunRecord | None = None, form: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    assert viewer.connection_id is not None
    cache = cc_reads_of(request)
    screen = members_screen(app_store(request), viewer.connection_id, found, page, q, cache)
    return render(
        request, "list_members.html", viewer, status, title=f"List {found.pair.name}",
        screen=screen, refused=refused, errors=errors or {}, done=done, form=form or {},
    )  # fmt: skip


def _done(found: FoundList, run_id: int) -> RedirectResponse:
    return RedirectResponse(f"{found.path}?run={run_id}", status_code=303)


def _changed(request: Request, viewer: Viewer) -> None:
    """A change was made here: the next page reads the members again."""
    assert viewer.connection_id is not None
    cc_reads_of(request).forget(viewer.connection_id)


@router.post("/lists/{name:path}/refresh")
def refresh(request: Request, viewer: Viewing, name: str) -> RedirectResponse:
    """Read the members again now (unless just read: cc_read_cache.REFRESH_FLOOR)."""
    found = _list(request, viewer, name)
    assert viewer.connection_id is not None
    cc_reads_of(request).refresh(roster_key(viewer.connection_id, found))
    return RedirectResponse(found.path, status_code=303)


@router.post("/lists/{name:path}/remove")
def remove(request: Request, viewer: Managing, name: str, account: Many = []) -> Response:  # noqa: B006
    found = _list(request, viewer, name)
    assert viewer.connection_id is not None
    if not account:
        errors = {"remove": "Tick the members to remove first."}
        return _members(request, viewer, found, status=400, errors=errors)
    try:
        done = remove_members(app_store(request), viewer.connection_id, found.pair.name,
                              account, origin=_origin(viewer))  # fmt: skip
    except LockHeldError as error:
        return _members(request, viewer, found, status=409, refused=page_message(error))
    except UserError as error:
        errors = {"remove": page_message(error)}
        return _members(request, viewer, found, status=400, errors=errors)
    _changed(request, viewer)
    return _done(found, done.run_id)


@router.post("/lists/{name:path}/bind")
def bind(
    request: Request,
    viewer: Managing,
    name: str,
    where: Annotated[str | None, Form()] = None,
    crm_list: Annotated[str | None, Form()] = None,
) -> Response:
    found = _list(request, viewer, name)
    assert viewer.connection_id is not None
    field = "where" if where is not None else "crm_list"
    try:
        done = bind_list(app_store(request), viewer.connection_id, found.pair.name,
                         where=where, crm_list=crm_list, origin=_origin(viewer))  # fmt: skip
    except LockHeldError as error:
        return _members(request, viewer, found, status=409, refused=page_message(error))
    except UserError as error:
        form = {field: where if where is not None else crm_list or ""}
        errors = {field: page_message(error)}
        return _members(request, viewer, found, status=400, errors=errors, form=form)
    _changed(request, viewer)
    return _done(found, done.run_id)


@router.get("/lists/{name:path}/check")
def check(request: Request, viewer: Viewing, name: str, where: str = "") -> JSONResponse:
    found = _list(request, viewer, name)
    verdict = check_filter(where, found.crm.custom_fields())
    return JSONResponse(verdict.json(), headers={"Cache-Control": "no-store"})


def _form(
    keep: list[str], field: list[str], op: list[str], value: list[str], where: str, searched: str
) -> SearchForm:
    # a link with a filter (`?where=…`) is a search too, the exclusions then all kept
    asked = searched == "1" or bool(where.strip()) or any(f.strip() for f in field)
    return search_form(keep if searched == "1" else EXCLUSION_KEYS, field, op, value, where, asked)


@router.get("/lists/{name:path}/add", response_class=HTMLResponse)
def add_page(
    request: Request,
    viewer: Managing,
    name: str,
    keep: Annotated[list[str], Query()] = [],  # noqa: B006
    field: Annotated[list[str], Query()] = [],  # noqa: B006
    op: Annotated[list[str], Query()] = [],  # noqa: B006
    value: Annotated[list[str], Query()] = [],  # noqa: B006
    where: str = "",
    searched: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    found = _list(request, viewer, name)
    search = run_search(found.crm, _form(keep, field, op, value, where, searched), page)
    return _add_page(request, viewer, found, search, 400 if search.failed else 200)


def _add_page(
    request: Request, viewer: Viewer, found: FoundList, search: Search, status: int = 200,
    refused: str = "", add_error: str = "",
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "list_add.html", viewer, status, title=f"Add to {found.pair.name}",
        found=found, search=search, exclusions=EXCLUSIONS, operators=OPERATORS,
        valueless=VALUELESS, refused=refused, add_error=add_error, query=_query(search.form),
    )  # fmt: skip


def _query(form: SearchForm) -> str:
    """The search as a query string, for the result pages' links."""
    parts = [("searched", "1"), *(("keep", k) for k in form.kept)]
    for row in form.criteria:
        parts += [("field", row.field), ("op", row.op), ("value", row.value)]
    parts.append(("where", form.where))
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in parts)


@router.post("/lists/{name:path}/add")
def add(
    request: Request,
    viewer: Managing,
    name: str,
    keep: Many = [],  # noqa: B006
    field: Many = [],  # noqa: B006
    op: Many = [],  # noqa: B006
    value: Many = [],  # noqa: B006
    where: Annotated[str, Form()] = "",
    account: Many = [],  # noqa: B006
) -> Response:
    found = _list(request, viewer, name)
    assert viewer.connection_id is not None
    form = _form(keep, field, op, value, where, "1")
    search = run_search(found.crm, form, 1, run=False)
    if search.failed:
        return _add_page(request, viewer, found, search, 400)
    chosen = _chosen(found, search, account)
    if chosen == ([], None):
        return _add_page(
            request, viewer, found, search, 400, add_error="The search found nobody to add."
        )
    try:
        done = add_members(app_store(request), viewer.connection_id, found.pair.name,
                           accounts=chosen[0], where=chosen[1], origin=_origin(viewer))  # fmt: skip
    except LockHeldError as error:
        return _add_page(request, viewer, found, search, 409, refused=page_message(error))
    except UserError as error:
        return _add_page(request, viewer, found, search, 400, add_error=page_message(error))
    _changed(request, viewer)
    return _done(found, done.run_id)


def _chosen(found: FoundList, search: Search, ticked: list[str]) -> tuple[list[str], str | None]:
    """The ticked accounts; else the whole search: as `lists add --where` when it keeps the
    exclusions that command always applies, else by id (so that a dropped exclusion
    counts: the push still refuses whom consent rules out, and reports them)."""
    if ticked:
        return sorted(set(ticked)), None
    if search.form.all_defaults_kept and search.text:
        return [], search.text
    return matching_ids(found.crm, search.text, found.crm.custom_fields()), None


# Last: a list's name may hold a '/' (its page's link writes it as %2F, which the server
# decodes), so the page takes the rest of the path, and the routes above match first.
router.get("/lists/{name:path}", response_class=HTMLResponse)(list_page)
