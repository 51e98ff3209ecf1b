"""/v3/segments: create, read, list, update, rename and delete segments (their criteria are
stored; ``GET /contacts?segment_id=`` answers the contacts they select)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from listbridge.emulator import segment_criteria as criteria
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.errors import bad_request, not_found
from listbridge.emulator.paging import int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.schemas import Body
from listbridge.emulator.segments import MAX_ID, Segment, segment_store, segment_view

router = api_router("contact_data")
#: GET /segments ``limit``: a string defaulting to "1000" (no range is stated; 1000 is the
#: most the default asks for)
MAX_LIMIT = 1000
SORTS = ("date", "name")


class SegmentIn(Body):
    """D:SegmentData: both properties are required, on PUT too."""

    name: str
    segment_criteria: Annotated[str, StringConstraints(max_length=20000)]


class SegmentNameIn(Body):
    name: str


@router.get("/segments")
def list_segments(
    request: Request, limit: str = "1000", sort_by: str = "date", cursor: str | None = None
) -> dict[str, Any]:
    size = int(limit) if limit.isdigit() else 0
    if not 1 <= size <= MAX_LIMIT:
        raise bad_request(f"limit: {limit!r} is not a number from 1 to {MAX_LIMIT}")
    # the parameter's x-example is "sort_by=date": a client copying it is understood
    order = sort_by.removeprefix("sort_by=")
    if order not in SORTS:
        raise bad_request(f"sort_by: {sort_by!r} is not one of {', '.join(SORTS)}")
    start = int_cursor(cursor) or 0
    state = state_of(request)
    with state.lock:
        live = segment_store(state).live()
        if order == "name":
            live.sort(key=lambda s: (s.name.casefold(), s.segment_id))
        else:  # most recently updated first
            live.sort(key=lambda s: (s.edited_at, s.segment_id), reverse=True)
        page = live[start : start + size]
        more = start + size < len(live)
    answer: dict[str, Any] = {"segments": [segment_view(s, with_criteria=False) for s in page]}
    links = next_links(request, start + size if more else None)
    if links:
        answer["_links"] = links
    return answer


@router.post("/segments")
def create_segment(
    request: Request, body: SegmentIn = Depends(json_body(SegmentIn))
) -> JSONResponse:
    criteria.check(body.segment_criteria)
    state = state_of(request)
    with state.lock:
        store = segment_store(state)
        name = store.check_name(body.name)
        segment = store.create(name, body.segment_criteria, state.stamp())
        return JSONResponse(segment_view(segment), status_code=201)


@router.get("/segments/{segment_id}")
def get_segment(request: Request, segment_id: int) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return segment_view(segment_store(state).get(_id(segment_id)))


@router.put("/segments/{segment_id}")
def update_segment(
    request: Request, segment_id: int, body: SegmentIn = Depends(json_body(SegmentIn))
) -> dict[str, Any]:
    criteria.check(body.segment_criteria)
    state = state_of(request)
    with state.lock:
        store = segment_store(state)
        segment = store.get_live(_id(segment_id))
        segment.name = store.check_name(body.name, keep=segment)
        segment.segment_criteria = body.segment_criteria
        return _edited(segment, state.stamp())


@router.patch("/segments/{segment_id}/name")
def rename_segment(
    request: Request, segment_id: int, body: SegmentNameIn = Depends(json_body(SegmentNameIn))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        store = segment_store(state)
        segment = store.get_live(_id(segment_id))
        segment.name = store.check_name(body.name, keep=segment)
        return _edited(segment, state.stamp())


@router.delete("/segments/{segment_id}", status_code=204)
def delete_segment(request: Request, segment_id: int) -> Response:
    state = state_of(request)
    with state.lock:
        segment = segment_store(state).get_live(_id(segment_id))
        segment.deleted_at = state.stamp()
    return Response(status_code=204)


def _edited(segment: Segment, now: int) -> dict[str, Any]:
    segment.edited_at = now
    return segment_view(segment)


def _id(segment_id: int) -> int:
    """An id outside int32 names no segment (D:SegmentDetail.segment_id is int32)."""
    if not 1 <= segment_id <= MAX_ID:
        raise not_found("segment", str(segment_id))
    return segment_id
