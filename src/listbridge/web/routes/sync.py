"""``/sync``: start an import, a push or a full sync (dry run or not), watch it live, and
read what every run did.

- ``GET /sync`` (view): the buttons, the live status, the latest import and push results,
  the run history (``?page=N``).
- ``POST /sync/import|push|full`` (run_syncs, CSRF-checked by ``require``): starts the job
  in the background (web/jobs.py) and goes back to ``/sync``; refused with 409 and the
  notice of who holds the connection when a sync runs.
- ``GET /sync/events`` (view): server-sent events while a job runs (sync.js), then a last
  ``done`` event; without JavaScript the page refreshes itself while a job runs.
- ``GET /sync/runs/{run_id}`` (view): one run's report, its error rows paged;
  ``…/errors.csv`` every row, as ``runs show ID --errors-csv`` writes them.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from listbridge.core.error_report import error_csv_chunks
from listbridge.core.errors import LockHeldError, UserError
from listbridge.store.runs import get_run, iter_run_errors
from listbridge.web.auth import Running, Viewing, app_store
from listbridge.web.celery_runner import runner_for
from listbridge.web.errors import page_message
from listbridge.web.job_work import Action, JobKind
from listbridge.web.jobs import JobBoard, JobRunner
from listbridge.web.pages import ENV, render
from listbridge.web.sync_view import LiveView, live_view, run_report, sync_screen
from listbridge.web.viewer import Viewer

router = APIRouter()
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]

#: how often the live view looks at the job while it runs
TICK_SECONDS = 0.5
#: a stream ends after this long; the browser's EventSource reconnects by itself, so a
#: tab left open does not hold a stream (and its reads) for ever
STREAM_SECONDS = 120
_created = threading.Lock()


def jobs_of(request: Request) -> tuple[JobRunner, JobBoard]:
    """The app's runner and board, made on first use (a test may set its own first)."""
    state = request.app.state
    with _created:
        if getattr(state, "sync_runner", None) is None:
            state.sync_runner, state.sync_board = runner_for(app_store(request))
    return state.sync_runner, state.sync_board


def _connection(viewer: Viewer) -> int:
    if viewer.connection_id is None:
        raise HTTPException(404, "there is no connection yet: connect on the Setup page")
    return viewer.connection_id


@router.get("/sync", response_class=HTMLResponse)
def sync_page(request: Request, viewer: Viewing, page: PageNumber = 1) -> HTMLResponse:
    return _screen(request, viewer, page)


def _screen(
    request: Request, viewer: Viewer, page: int = 1, refused: str = "", status: int = 200
) -> HTMLResponse:
    screen = None
    if viewer.connection_id is not None:
        _, board = jobs_of(request)
        screen = sync_screen(app_store(request), viewer.connection_id, board, page)
    return render(
        request, "sync.html", viewer, status, title="Sync", screen=screen, refused=refused
    )


@router.post("/sync/{action}")
def start_job(
    request: Request,
    viewer: Running,
    action: Action,
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    runner, _ = jobs_of(request)
    try:
        runner.start(JobKind(action, dry_run), _connection(viewer), viewer.name)
    except LockHeldError as error:
        return _screen(request, viewer, refused=page_message(error), status=409)
    # Post/redirect/get: a reload of the page does not start the job again.
    return RedirectResponse("/sync", status_code=303)


@router.get("/sync/events")
def events(request: Request, viewer: Viewing) -> StreamingResponse:
    connection_id = _connection(viewer)
    _, board = jobs_of(request)
    store = app_store(request)

    def look() -> LiveView:
        return live_view(store, connection_id, board)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(look), media_type="text/event-stream", headers=headers)


async def _stream(look: Callable[[], LiveView]) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    for _ in range(int(STREAM_SECONDS / TICK_SECONDS)):
        live = await run_in_threadpool(look)  # the lock's row is a database read
        yield _event("status" if live.busy else "done", live)
        if not live.busy:
            return
        await asyncio.sleep(TICK_SECONDS)


def _event(name: str, live: LiveView) -> str:
    body = {
        "busy": live.busy,
        "notice": live.notice.sentence if live.notice else "",
        # the same partial as the page's, escaped by Jinja: sync.js puts it in place
        "status": ENV.get_template("sync_status.html").render(live=live),
    }
    return f"event: {name}\ndata: {json.dumps(body)}\n\n"


@router.get("/sync/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, viewer: Viewing, run_id: int, page: PageNumber = 1) -> Response:
    try:
        report = run_report(app_store(request), _connection(viewer), run_id, page)
    except UserError as error:
        raise HTTPException(404, page_message(error)) from None
    title = f"Run {run_id}"
    return render(request, "run.html", viewer, title=title, report=report)


@router.get("/sync/runs/{run_id}/errors.csv")
def errors_csv(request: Request, viewer: Viewing, run_id: int) -> StreamingResponse:
    store = app_store(request)
    try:
        run = get_run(store, _connection(viewer), run_id)
    except UserError as error:
        raise HTTPException(404, page_message(error)) from None
    headers = {"Content-Disposition": f'attachment; filename="run-{run.run_id}-errors.csv"'}
    rows = error_csv_chunks(iter_run_errors(store, run.run_id))
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)
