"""/v3/contact_custom_fields: at most 100 per account; PUT nulls what it omits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request, Response

from listbridge.emulator import bulk
from listbridge.emulator import custom_field_rules as rules
from listbridge.emulator.activities import Activity, activity_view
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.bulk_schemas import CustomFieldDelete
from listbridge.emulator.errors import ApiError, found
from listbridge.emulator.model import CustomField, field_name
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.schemas import CustomFieldIn, CustomFieldPutIn
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import custom_field_view

router = api_router("contact_data")


def _unique(state: EmulatorState, label: str, other: CustomField | None) -> None:
    """Names are unique: a clash is the 409 POST declares; PUT declares no 409, so there it
    is the 400 of a validation error."""
    for field in state.custom_fields.values():
        if field is not other and field.name == field_name(label):
            status = 409 if other is None else 400
            raise ApiError(status, f"label: a custom field named {field.name!r} already exists")


@router.get("/contact_custom_fields")
def list_fields(request: Request, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    check_limit(limit, 1, 100)
    state = state_of(request)
    with state.lock:
        rows = list(state.custom_fields.values())
        start = int_cursor(cursor) or 0
        page = [custom_field_view(f) for f in rows[start : start + limit]]
    more = start + limit < len(rows)
    return {"custom_fields": page, "_links": next_links(request, start + limit if more else None)}


@router.post("/contact_custom_fields", status_code=201)
def create_field(
    request: Request, body: CustomFieldIn = Depends(json_body(CustomFieldIn))
) -> dict[str, Any]:
    state = state_of(request)
    cap = request.app.state.config.custom_field_cap
    with state.lock:
        if len(state.custom_fields) >= cap:
            raise ApiError(400, f"the account already has the maximum of {cap} custom fields")
        _unique(state, body.label, None)
        field = CustomField(state.new_id(), body.label, body.type, state.stamp())
        rules.define(field, body, field.created_at)
        state.custom_fields[field.custom_field_id] = field
        return custom_field_view(field)


@router.get("/contact_custom_fields/{custom_field_id}")
def read_field(request: Request, custom_field_id: str) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return custom_field_view(found(state.custom_fields, custom_field_id, "custom field"))


@router.put("/contact_custom_fields/{custom_field_id}")
def update_field(
    request: Request,
    custom_field_id: str,
    body: CustomFieldPutIn = Depends(json_body(CustomFieldPutIn)),
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        field = found(state.custom_fields, custom_field_id, "custom field")
        _unique(state, body.label, field)
        now = state.stamp()
        draft = CustomField.load(field.dump())
        draft.type = body.type or field.type
        rules.rechoose(draft, body.choices, now)
        for slot in ("type", "choices"):
            setattr(field, slot, getattr(draft, slot))
        field.label, field.name = body.label, field_name(body.label)
        field.updated_at = now
        return custom_field_view(field)


@router.delete("/contact_custom_fields/{custom_field_id}", status_code=204)
def delete_field(request: Request, custom_field_id: str) -> Response:
    state = state_of(request)
    with state.lock:
        found(state.custom_fields, custom_field_id, "custom field")
        _drop_fields(state, {custom_field_id})
    return Response(status_code=204)


def _drop_fields(state: EmulatorState, field_ids: set[str]) -> None:
    """Delete the fields and their values on every contact (the caller holds the lock)."""
    for field_id in field_ids:
        state.custom_fields.pop(field_id, None)
    for c in state.contacts.by_id.values():
        if c.custom_fields and any(fid in field_ids for fid, _ in c.custom_fields):
            c.custom_fields = tuple(p for p in c.custom_fields if p[0] not in field_ids) or None
            state.touch(c)


@router.post("/activities/custom_fields_delete", status_code=201)
def delete_fields(
    request: Request, body: CustomFieldDelete = Depends(json_body(CustomFieldDelete))
) -> dict[str, Any]:
    """Deletes up to 100 custom fields, with their values on every contact, as the activity
    runs; an id that names no field is a 404 (declared) and queues nothing."""
    state = state_of(request)
    with state.lock:
        field_ids = list(dict.fromkeys(body.custom_field_ids))
        for field_id in field_ids:
            found(state.custom_fields, field_id, "custom field")
        status = {"items_total_count": len(field_ids), "items_completed_count": 0}
        activity = bulk.submit(request, "custom_fields_delete", status, field_ids, _delete_fields)
        return activity_view(activity)


def _delete_fields(state: EmulatorState, a: Activity) -> Iterator[float]:
    present = {fid for fid in a.payload if fid in state.custom_fields}
    for fid in a.payload:
        if fid not in present:
            a.error(f"custom field {fid} does not exist")
    _drop_fields(state, present)
    a.status["items_completed_count"] = len(a.payload)
    yield 1.0
