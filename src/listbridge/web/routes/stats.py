"""``/stats`` and ``/stats/{campaign_id}``: how the campaigns did (permission `view`).

- ``GET /stats``: the campaigns table (``?sort=COLUMN&dir=asc|desc&page=N``, 25 a page)
  with the figures `listbridge stats show` prints, and the chart of the recent ones.
- ``GET /stats/chart.svg``: that chart (pygal), an SVG with no script and no link out.
- ``GET /stats/{campaign_id}``: what each account did with the campaign, paged.
- ``GET /stats/{campaign_id}.csv`` / ``.xlsx``: the same file as
  ``listbridge stats show --campaign ID --format csv|xlsx`` (sync/stats/sheets.py).
"""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from listbridge.core.campaign_rows import CampaignDetail
from listbridge.core.stats_table import recipient_table
from listbridge.store.campaign_reads import campaign_detail
from listbridge.store.read_only import read_only
from listbridge.sync.stats.sheets import csv_chunks, write_xlsx
from listbridge.web.auth import Viewing, app_store
from listbridge.web.pages import render
from listbridge.web.stats_view import (
    campaign_screen,
    campaigns_screen,
    chart_svg,
    day,
    minute,
)
from listbridge.web.viewer import Viewer

router = APIRouter()
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
SortKey = Literal["name", "sent", "sends", "open_rate", "click_rate", "bounces", "optouts"]
Direction = Literal["asc", "desc"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/stats", response_class=HTMLResponse)
def stats_page(
    request: Request,
    viewer: Viewing,
    sort: SortKey = "sent",
    direction: Annotated[Direction, Query(alias="dir")] = "desc",
    page: PageNumber = 1,
) -> HTMLResponse:
    screen = None
    if viewer.connection_id is not None:
        screen = campaigns_screen(app_store(request), viewer.connection_id, sort, direction, page)
    return render(
        request, "stats.html", viewer, title="Campaigns", screen=screen, day=day, minute=minute
    )


# declared before /stats/{campaign_id}, which would otherwise take "chart.svg" for an id
@router.get("/stats/chart.svg")
def chart(request: Request, viewer: Viewing) -> Response:
    svg = chart_svg(app_store(request), viewer.connection_id)
    headers = {"Cache-Control": "no-store"}
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/stats/{campaign_id}.csv")
def campaign_csv(request: Request, viewer: Viewing, campaign_id: str) -> StreamingResponse:
    table = recipient_table(_detail(request, viewer, campaign_id))
    headers = _attachment(campaign_id, "csv")
    chunks = (text.encode("utf-8") for text in csv_chunks(table))
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/stats/{campaign_id}.xlsx")
def campaign_xlsx(request: Request, viewer: Viewing, campaign_id: str) -> Response:
    table = recipient_table(_detail(request, viewer, campaign_id))
    book = io.BytesIO()
    write_xlsx(table, book, "recipients")
    return Response(book.getvalue(), media_type=XLSX_TYPE, headers=_attachment(campaign_id, "xlsx"))


@router.get("/stats/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request, viewer: Viewing, campaign_id: str, page: PageNumber = 1
) -> HTMLResponse:
    screen = campaign_screen(app_store(request), _connection(viewer), campaign_id, page)
    if screen is None:
        raise _unknown(viewer, campaign_id)
    title = screen.campaign.name or campaign_id
    return render(
        request, "stats_campaign.html", viewer, title=title, screen=screen, minute=minute, day=day
    )


def _connection(viewer: Viewer) -> int:
    if viewer.connection_id is None:
        raise HTTPException(404, "there is no connection yet, so no campaign results")
    return viewer.connection_id


def _detail(request: Request, viewer: Viewer, campaign_id: str) -> CampaignDetail:
    """Every recipient of the campaign, for the files."""
    # every row of the campaign (seconds at 50,000 recipients): read holding no lock
    with read_only(app_store(request)) as reader, reader.session() as session:
        found = campaign_detail(session, _connection(viewer), campaign_id)
    if found is None:
        raise _unknown(viewer, campaign_id)
    return found


def _unknown(viewer: Viewer, campaign_id: str) -> HTTPException:
    return HTTPException(
        404,
        f"No campaign with id {campaign_id!r} in the results pulled for connection "
        f"{viewer.connection!r}: the Campaigns page lists those there are.",
    )


def _attachment(campaign_id: str, extension: str) -> dict[str, str]:
    # the id is Constant Contact's (a UUID); anything else is kept out of the header
    safe = "".join(c for c in campaign_id if c.isalnum() or c in "-_")[:64] or "campaign"
    return {"Content-Disposition": f'attachment; filename="campaign-{safe}.{extension}"'}
