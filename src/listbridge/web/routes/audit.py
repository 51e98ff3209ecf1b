"""``/audit`` (permission `view`): the change journal of the connection, searchable by
record, run, field, side and dates, newest first, a page at a time (web/audit_view.py,
store/journal_search.py); ``/audit.csv`` the whole selection, streamed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from listbridge.core.csv_stream import csv_chunks
from listbridge.store.journal_search import iter_journal
from listbridge.web.audit_view import (
    CSV_COLUMNS,
    AuditPage,
    AuditQuery,
    GoneCursor,
    audit_page,
    csv_rows,
    read_query,
)
from listbridge.web.auth import Viewing, app_store
from listbridge.web.pages import render
from listbridge.web.viewer import Viewer

router = APIRouter()


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, viewer: Viewing) -> HTMLResponse:
    query = read_query(request.query_params)
    if query.errors or viewer.connection_id is None:
        return _page(request, viewer, query, None, 400 if query.errors else 200)
    before = request.query_params.get("before", "").strip()
    try:
        page = audit_page(app_store(request), viewer.connection_id, query, before)
    except GoneCursor as gone:
        return _page(request, viewer, query, None, 400, gone=str(gone))
    return _page(request, viewer, query, page)


@router.get("/audit.csv")
def audit_csv(request: Request, viewer: Viewing) -> Response:
    query = read_query(request.query_params)
    if query.errors or viewer.connection_id is None:
        return _page(request, viewer, query, None, 400 if query.errors else 404)
    rows = iter_journal(app_store(request), viewer.connection_id, query.wanted)
    headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
    chunks = csv_chunks(CSV_COLUMNS, csv_rows(rows))
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)


def _page(
    request: Request,
    viewer: Viewer,
    query: AuditQuery,
    page: AuditPage | None,
    status: int = 200,
    gone: str = "",
) -> HTMLResponse:
    return render(
        request, "audit.html", viewer, status, title="Audit",
        query=query, page=page, gone=gone,
    )  # fmt: skip
