"""/v3/contact_custom_fields: at most 100 per account; PUT nulls what it omits."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response

from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.errors import ApiError, not_found
from listbridge.emulator.model import CustomField, field_name
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.schemas import CustomFieldIn, CustomFieldPutIn
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import custom_field_view

router = api_router("contact_data")


def _get(state: EmulatorState, field_id: str) -> CustomField:
    field = state.custom_fields.get(field_id)
    if field is None:
        raise not_found("custom field", field_id)
    return field


def _unique(state: EmulatorState, label: str, other: CustomField | None) -> None:
    for field in state.custom_fields.values():
        if field is not other and field.name == field_name(label):
            raise ApiError(409, f"label: a custom field named {field.name!r} already exists")


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
        state.custom_fields[field.custom_field_id] = field
        return custom_field_view(field)


@router.get("/contact_custom_fields/{custom_field_id}")
def read_field(request: Request, custom_field_id: str) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return custom_field_view(_get(state, custom_field_id))


@router.put("/contact_custom_fields/{custom_field_id}")
def update_field(
    request: Request,
    custom_field_id: str,
    body: CustomFieldPutIn = Depends(json_body(CustomFieldPutIn)),
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        field = _get(state, custom_field_id)
        _unique(state, body.label, field)
        field.label, field.name = body.label, field_name(body.label)
        field.type = body.type or field.type
        field.updated_at = state.stamp()
        return custom_field_view(field)


@router.delete("/contact_custom_fields/{custom_field_id}", status_code=204)
def delete_field(request: Request, custom_field_id: str) -> Response:
    state = state_of(request)
    with state.lock:
        _get(state, custom_field_id)
        del state.custom_fields[custom_field_id]
        for c in state.contacts.by_id.values():
            if c.custom_fields and any(fid == custom_field_id for fid, _ in c.custom_fields):
                c.custom_fields = (
                    tuple(p for p in c.custom_fields if p[0] != custom_field_id) or None
                )
                state.touch(c)
    return Response(status_code=204)
