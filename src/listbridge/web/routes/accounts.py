"""``/accounts`` and ``/accounts/{id}``: find an account, see it, push it.

- ``GET /accounts`` (view): a search over the connection's CRM accounts (``?q=`` matches
  the id, name, organisation or an e-mail, ignoring case; ``?page=N``, 50 a page:
  crm/account_search.py).
- ``GET /accounts/{id}`` (view): what ``listbridge crm show ID`` tells (crm/account_card.py):
  its fields, Constant Contact link and lists, last push, consent, campaign and change
  history; 404 for an unknown id. The id is the rest of the path: a CRM's id may hold a
  slash.
- ``POST /accounts/{id}/push`` (run_syncs): the push job for this one account (as ``lists
  add --account`` pushes its accounts) onto the lists ticked, contact and subscription or
  the subscription only (``push --subscription-only``); it runs in the request (one
  account: a few calls) and takes the connection's lock, so a sync running anywhere
  refuses it with 409 and who holds the lock. Then back to the account page (303), which
  shows what the push did: an opted-out contact is a failed subscription, never re-added.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listbridge.core.account_search import MAX_QUERY
from listbridge.core.errors import (
    ListbridgeError,
    LockHeldError,
    NotConnectedError,
    UserError,
)
from listbridge.crm.account_search import find_accounts
from listbridge.sync.job import JobStart
from listbridge.sync.push import PushRequest, run_push
from listbridge.web.account_view import AccountView, account_view
from listbridge.web.auth import Running, Viewing, app_store
from listbridge.web.errors import page_message, status_of
from listbridge.web.job_notice import WEB, busy_notice
from listbridge.web.pages import render
from listbridge.web.routes.sync import jobs_of
from listbridge.web.viewer import Viewer

router = APIRouter()
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


class PushMode(StrEnum):
    CONTACT = "contact"  # the contact's fields and its subscriptions
    SUBSCRIPTION = "subscription"  # `push --subscription-only`


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    viewer: Viewing,
    q: Annotated[str, Query(max_length=MAX_QUERY * 4)] = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    found = None
    if viewer.connection_id is not None:
        found = find_accounts(app_store(request), viewer.connection_id, q, page)
    return render(request, "accounts.html", viewer, title="Accounts", found=found, q=q)


@router.get("/accounts/{account_id:path}", response_class=HTMLResponse)
def account_page(request: Request, viewer: Viewing, account_id: str) -> HTMLResponse:
    return _account(request, viewer, account_id)


def _account(
    request: Request,
    viewer: Viewer,
    account_id: str,
    status: int = 200,
    refused: str = "",
    chosen: tuple[list[str], str] = ([], PushMode.CONTACT),
) -> HTMLResponse:
    view = _view(request, viewer, account_id)
    return render(
        request, "account.html", viewer, status, title=view.title, view=view,
        refused=refused, chosen_lists=chosen[0], chosen_mode=chosen[1],
    )  # fmt: skip


def _view(request: Request, viewer: Viewer, account_id: str) -> AccountView:
    if viewer.connection_id is None:
        raise HTTPException(404, "there is no connection yet: connect on the Setup page")
    try:
        return account_view(app_store(request), viewer.connection_id, account_id)
    except UserError as error:
        message = f"{page_message(error)}: search for it on the Accounts page"
        raise HTTPException(404, message) from None


@router.post("/accounts/{account_id:path}/push")
def push_account(
    request: Request,
    viewer: Running,
    account_id: str,
    lists: Annotated[list[str], Form(alias="list")] = [],  # noqa: B006 (FastAPI copies it)
    mode: Annotated[str, Form()] = PushMode.CONTACT,
) -> Response:
    chosen = (lists, mode)
    if problem := _form_problem(lists, mode):
        return _account(request, viewer, account_id, 400, problem, chosen)
    _view(request, viewer, account_id)  # 404 for an unknown account, before any push
    assert viewer.connection_id is not None
    start = JobStart(app_store(request), viewer.connection_id, origin=f"{WEB}:{viewer.name}")
    wanted = PushRequest(
        tuple(lists), mode == PushMode.SUBSCRIPTION, accounts=frozenset({account_id})
    )
    try:
        run_push(start, wanted)
    except ListbridgeError as error:  # busy, not connected, an unknown list: said on the page
        refused = _refusal(request, viewer.connection_id, error)
        return _account(request, viewer, account_id, status_of(error), refused, chosen)
    # Post/redirect/get: a reload shows the page, it does not push again.
    return RedirectResponse(f"/accounts/{quote(account_id, safe='')}#last-push", status_code=303)


def _form_problem(lists: list[str], mode: str) -> str:
    """What the form lacks ("" when nothing): said beside the push button, status 400."""
    if mode not in set(PushMode):
        return "choose what to push: the contact and its subscriptions, or the subscriptions only"
    if mode == PushMode.SUBSCRIPTION and not lists:
        return "a subscription-only push needs at least one list: tick the lists to put it on"
    return ""


def _refusal(request: Request, connection_id: int, error: ListbridgeError) -> str:
    """The error's words; when the lock refused, who holds it and since when (as /sync)."""
    message = page_message(error)
    if isinstance(error, LockHeldError):
        _, board = jobs_of(request)
        notice = busy_notice(app_store(request), connection_id, board)
        message += f" {notice.sentence}" if notice is not None else ""
    if isinstance(error, NotConnectedError):
        message += "; in the admin: connect on the Setup page"
    return message
