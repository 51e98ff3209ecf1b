"""/v3/activities/*: bulk jobs, their status, and the export download."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import PlainTextResponse

from listbridge.emulator import bulk, exports, imports
from listbridge.emulator.activities import Processor, activity_view
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body, parse_model, read_json
from listbridge.emulator.bulk_schemas import (
    ContactDelete,
    Export,
    JsonImport,
    ListDelete,
    Membership,
    Removal,
)
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router

router = api_router("contact_data")
TEN_DAYS_US = 10 * 86_400_000_000
CSV_TYPES = ("text/csv", "application/csv")
GET_STATES = ("processing", "completed", "cancelled", "failed", "timed_out")


@router.post("/activities/contacts_json_import", status_code=201)
async def json_import(request: Request) -> dict[str, Any]:
    body = parse_model(JsonImport, await read_json(request))
    state = state_of(request)
    config = request.app.state.config
    rows = body.import_data
    declared = int(request.headers.get("content-length") or 0)
    if declared > config.import_payload_bytes:
        rows = imports.within_bytes(rows, config.import_payload_bytes)
    with state.lock:
        bulk.check_targets(state, body.list_ids)
        status = imports.import_status(len(rows))
        activity = bulk.submit(
            request,
            "contacts_json_import",
            status,
            (rows, body.list_ids, 1),
            imports.process_import,
        )
        return activity_view(activity)


@router.post("/activities/contacts_file_import", status_code=201)
async def file_import(request: Request) -> dict[str, Any]:
    config = request.app.state.config
    media = request.headers.get("content-type", "")
    if not media.lower().startswith("multipart/form-data") or "boundary=" not in media:
        raise ApiError(
            415, "send the CSV as multipart/form-data (let the client set the Content-Type)"
        )
    async with request.form(max_part_size=config.max_request_bytes) as form:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise bad_request("file: a CSV file part is required")
        name = upload.filename or "import.csv"
        if not name.lower().endswith(".csv") and upload.content_type not in CSV_TYPES:
            raise ApiError(415, f"file: {name} is not a CSV file")
        raw = (await upload.read())[: config.import_payload_bytes]
        list_field = str(form.get("list_ids") or "")
    rows = _csv_rows(raw.decode("utf-8-sig", "replace"))
    list_ids = [v.strip() for v in list_field.split(",") if v.strip()]
    if not list_ids or len(list_ids) > 50:
        raise bad_request("list_ids: between 1 and 50 comma-separated list ids are required")
    state = state_of(request)
    with state.lock:
        bulk.check_targets(state, list_ids)
        status = imports.import_status(len(rows) + 1)
        activity = bulk.submit(
            request, "contacts_file_import", status, (rows, list_ids, 2), imports.process_import
        )
        activity.source_file_name = name
        return activity_view(activity)


def _csv_rows(text: str) -> list[dict[str, str]]:
    lines = text.splitlines()[:40_000]  # the service drops lines past 40,000 (header included)
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = [h.strip() for h in reader.fieldnames or ()]
    if "email" not in header and "sms_number" not in header:
        raise bad_request("file: the CSV needs an email (or sms_number) column")
    reader.fieldnames = header
    return [{k: v for k, v in row.items() if k} for row in reader]


@router.post("/activities/add_list_memberships", status_code=201)
def add_memberships(
    request: Request, body: Membership = Depends(json_body(Membership))
) -> dict[str, Any]:
    return _membership(request, body, "add_list_memberships", bulk.process_add)


@router.post("/activities/remove_list_memberships", status_code=201)
def remove_memberships(
    request: Request, body: Removal = Depends(json_body(Removal))
) -> dict[str, Any]:
    return _membership(request, body, "remove_list_memberships", bulk.process_remove)


def _membership(
    request: Request, body: Membership, kind: str, processor: Processor
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        targets = bulk.check_targets(state, body.list_ids)
        ids = bulk.source_contacts(state, body)
        status = {
            "items_total_count": len(ids),
            "items_completed_count": 0,
            "list_count": len(targets),
        }
        return activity_view(bulk.submit(request, kind, status, (ids, targets), processor))


@router.post("/activities/contact_delete", status_code=201)
def contact_delete(
    request: Request, body: ContactDelete = Depends(json_body(ContactDelete))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        ids = bulk.delete_targets(state, body)
        status = {
            "items_total_count": len(ids),
            "items_completed_count": 0,
            "list_count": len(body.list_ids or ()),
        }
        return activity_view(
            bulk.submit(request, "contact_delete", status, ids, bulk.process_contact_delete)
        )


@router.post("/activities/list_delete", status_code=201)
def list_delete(
    request: Request, body: ListDelete = Depends(json_body(ListDelete))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        bulk.check_targets(state, body.list_ids)
        return activity_view(bulk.submit_list_delete(request, body.list_ids))


@router.post("/activities/contact_exports", status_code=201)
def contact_exports(request: Request, body: Export = Depends(json_body(Export))) -> dict[str, Any]:
    columns = exports.export_columns(body)
    state = state_of(request)
    with state.lock:
        ids = exports.export_filter(state, body)
        status = {"items_total_count": len(ids), "items_completed_count": 0}
        return activity_view(
            bulk.submit(request, "contact_exports", status, (ids, columns), exports.process_export)
        )


@router.get("/contact_exports/{file_export_id}")
def export_file(request: Request, file_export_id: str) -> PlainTextResponse:
    state = state_of(request)
    with state.lock:
        text = state.exports.get(file_export_id)
    if text is None:
        raise not_found("export", file_export_id)
    return PlainTextResponse(text, media_type="text/csv")


@router.get("/activities")
def list_activities(
    request: Request, state: str | None = None, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    check_limit(limit, 1, 500)
    if state is not None and state not in GET_STATES:
        raise bad_request(f"state: {state!r} is not one of {', '.join(GET_STATES)}")
    emulator = state_of(request)
    with emulator.lock:
        since = emulator.now() - TEN_DAYS_US
        rows = [
            a
            for a in reversed(emulator.activities.values())
            if a.created_at >= since and (state is None or a.state == state)
        ]
        start = int_cursor(cursor) or 0
        page = [activity_view(a) for a in rows[start : start + limit]]
    more = start + limit < len(rows)
    return {"activities": page, "_links": next_links(request, start + limit if more else None)}


@router.get("/activities/{activity_id}")
def get_activity(request: Request, activity_id: str) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        activity = state.activities.get(activity_id)
        if activity is None:
            raise not_found("activity", activity_id)
        return activity_view(activity)
