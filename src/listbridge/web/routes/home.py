"""``/``: the dashboard (permission `view`) — the connection's health (token state, today's
API budget, the next scheduled runs, the latest failures), the "Campaign stats" widget
each user sets up, and the checks worth a look; with no connection, how to make one.

- ``POST /dashboard/campaigns``: the widget's columns, rows and sort, kept for the user.
- ``GET /dashboard/consent.csv``: `listbridge unsubscribes report --csv`'s file.
- ``GET /dashboard/duplicates``: `listbridge crm duplicates`' groups.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from listbridge.core.campaign_widget import WidgetView, view_from_form
from listbridge.core.errors import UserError
from listbridge.core.spreadsheet import safe_row
from listbridge.store.preferences import campaign_widget_view, save_campaign_widget_view
from listbridge.store.read_only import read_only
from listbridge.sync.unsubscribes import COLUMNS, mismatch_report, rows
from listbridge.web.auth import Viewing, app_store
from listbridge.web.dashboard_view import campaign_widget, checks, duplicate_groups, figures_of
from listbridge.web.health_view import connection_health
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, viewer: Viewing) -> HTMLResponse:
    return _dashboard(request, viewer)


def _dashboard(
    request: Request,
    viewer: Viewer,
    asked: WidgetView | None = None,
    widget_error: str = "",
    status: int = 200,
) -> HTMLResponse:
    store = app_store(request)
    health = widget = found = None
    if viewer.connection_id is not None:
        schedules = request.app.state.schedules
        health = connection_health(store, viewer.connection_id, schedules)
        view = asked or campaign_widget_view(store, viewer.user_id)
        widget = campaign_widget(store, viewer.connection_id, view)
        found = checks(store, viewer.connection_id, figures_of(request))
    return render(
        request, "home.html", viewer, status, title="Home", health=health, widget=widget,
        checks=found, widget_error=widget_error,
    )  # fmt: skip


@router.post("/dashboard/campaigns")
def save_widget(
    request: Request,
    viewer: Viewing,
    column: Annotated[list[str] | None, Form()] = None,
    rows: Annotated[str, Form()] = "",
    sort: Annotated[str, Form()] = "",
    direction: Annotated[str, Form(alias="dir")] = "desc",
) -> Response:
    try:
        view = view_from_form(column or [], rows, sort, direction)
    except UserError as error:
        # shown beside the form, with what the user has saved so far
        return _dashboard(request, viewer, widget_error=str(error), status=400)
    save_campaign_widget_view(app_store(request), viewer.user_id, view)
    return RedirectResponse("/#campaign-widget", status_code=303)


@router.get("/dashboard/consent.csv")
def consent_csv(request: Request, viewer: Viewing) -> StreamingResponse:
    """Every linked pair whose consent differs, as `unsubscribes report --csv` writes it
    (read in full: seconds with 100,000 linked accounts)."""
    with read_only(app_store(request)) as reader:  # seconds of reading: hold no lock
        found = mismatch_report(reader, _connection(viewer))
    headers = {"Content-Disposition": 'attachment; filename="consent-mismatches.csv"'}
    return StreamingResponse(
        _csv_text(rows(found)), media_type="text/csv; charset=utf-8", headers=headers
    )


def _csv_text(found: Iterator[dict[str, str]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(map(safe_row, found))  # an account id may look like a formula
    yield buffer.getvalue().encode("utf-8")


@router.get("/dashboard/duplicates", response_class=HTMLResponse)
def duplicates_page(request: Request, viewer: Viewing) -> HTMLResponse:
    groups = duplicate_groups(app_store(request), _connection(viewer), figures_of(request))
    return render(request, "duplicates.html", viewer, title="Possible duplicates", groups=groups)


def _connection(viewer: Viewer) -> int:
    if viewer.connection_id is None:
        raise HTTPException(404, "there is no connection yet: connect on the Setup page")
    return viewer.connection_id
