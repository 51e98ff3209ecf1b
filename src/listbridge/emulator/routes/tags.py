"""/v3/contact_tags: unique names; DELETE untags every contact asynchronously (202)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from listbridge.emulator import bulk
from listbridge.emulator.activities import Activity, Processor, activity_view
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.bulk_schemas import TagDelete, Tagging
from listbridge.emulator.errors import ApiError, found
from listbridge.emulator.model import Tag
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.schemas import TagIn
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import tag_view

router = api_router("contact_data")
MAX_TAGGINGS = 50  # facts §5.2


def _unique(state: EmulatorState, name: str, other: Tag | None) -> None:
    for tag in state.tags.values():
        if tag is not other and tag.name.lower() == name.lower():
            raise ApiError(409, f"name: a tag named {name!r} already exists ({tag.tag_id})")


def _count(state: EmulatorState, tag_id: str) -> int:
    return sum(
        1
        for c in state.contacts.by_id.values()
        if c.taggings and tag_id in c.taggings and not c.is_deleted
    )


@router.get("/contact_tags")
def list_tags(
    request: Request, limit: int = 50, include_count: bool = False, cursor: str | None = None
) -> dict[str, Any]:
    check_limit(limit, 1, 500)
    state = state_of(request)
    with state.lock:
        rows = list(state.tags.values())
        start = int_cursor(cursor) or 0
        page = [
            tag_view(t, _count(state, t.tag_id) if include_count else None)
            for t in rows[start : start + limit]
        ]
    more = start + limit < len(rows)
    return {"tags": page, "_links": next_links(request, start + limit if more else None)}


@router.post("/contact_tags", status_code=201)
def create_tag(request: Request, body: TagIn = Depends(json_body(TagIn))) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        _unique(state, body.name, None)
        tag = Tag(state.new_id(), body.name, body.tag_source or "Account", state.stamp())
        state.tags[tag.tag_id] = tag
        return tag_view(tag)


@router.get("/contact_tags/{tag_id}")
def read_tag(request: Request, tag_id: str, include_count: bool = False) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return tag_view(
            found(state.tags, tag_id, "tag"), _count(state, tag_id) if include_count else None
        )


@router.put("/contact_tags/{tag_id}")
def update_tag(
    request: Request, tag_id: str, body: TagIn = Depends(json_body(TagIn))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        tag = found(state.tags, tag_id, "tag")
        _unique(state, body.name, tag)
        tag.name, tag.updated_at = body.name, state.stamp()
        return tag_view(tag)


@router.delete("/contact_tags/{tag_id}", status_code=202)
def delete_tag(request: Request, tag_id: str) -> JSONResponse:
    state = state_of(request)
    with state.lock:
        found(state.tags, tag_id, "tag")
        del state.tags[tag_id]
        activity = bulk.submit(
            request, "contacts_tags_delete", {"items_total_count": 1}, tag_id, _untag
        )
        view = activity_view(activity)
    return JSONResponse(view, 202)


def _untag(state: EmulatorState, a: Activity) -> Iterator[float]:
    for n, c in enumerate(list(state.contacts.by_id.values()), 1):
        if c.taggings and a.payload in c.taggings:
            c.taggings = tuple(t for t in c.taggings if t != a.payload) or None
            state.touch(c)
        if n % 5000 == 0:
            yield 0.5


@router.post("/activities/contacts_taggings_add", status_code=201)
def add_taggings(request: Request, body: Tagging = Depends(json_body(Tagging))) -> dict[str, Any]:
    """Tags the contacts of ``source`` (facts §9.2); a contact holds at most 50 taggings."""
    return _tagging(request, body, "contacts_taggings_add", _tag)


@router.post("/activities/contacts_taggings_remove", status_code=201)
def remove_taggings(
    request: Request, body: Tagging = Depends(json_body(Tagging))
) -> dict[str, Any]:
    """Takes ``tag_ids`` off the contacts of ``source``; the tags themselves stay."""
    return _tagging(request, body, "contacts_taggings_remove", _untag_contacts)


def _tagging(request: Request, body: Tagging, kind: str, processor: Processor) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        for tag_id in body.tag_ids:
            found(state.tags, tag_id, "tag")
        ids = bulk.resolve_source(state, body.source, body.exclude)
        status = {"items_total_count": len(ids), "items_completed_count": 0}
        payload = (ids, list(dict.fromkeys(body.tag_ids)))
        return activity_view(bulk.submit(request, kind, status, payload, processor))


def _tag(state: EmulatorState, a: Activity) -> Iterator[float]:
    ids, tag_ids = a.payload
    for n, contact_id in enumerate(ids, 1):
        c = bulk.live_contact(state, a, contact_id)
        if c is not None:
            kept = tuple(dict.fromkeys([*(c.taggings or ()), *tag_ids]))
            if len(kept) > MAX_TAGGINGS:
                a.error(f"contact {contact_id} would exceed {MAX_TAGGINGS} tags")
            elif kept != (c.taggings or ()):
                c.taggings = kept
                state.touch(c)
        a.status["items_completed_count"] = n
        if n % bulk.CHUNK == 0:
            yield n / len(ids)


def _untag_contacts(state: EmulatorState, a: Activity) -> Iterator[float]:
    ids, tag_ids = a.payload
    drop = set(tag_ids)
    for n, contact_id in enumerate(ids, 1):
        c = bulk.live_contact(state, a, contact_id)
        if c is not None and c.taggings and not drop.isdisjoint(c.taggings):
            c.taggings = tuple(t for t in c.taggings if t not in drop) or None
            state.touch(c)
        a.status["items_completed_count"] = n
        if n % bulk.CHUNK == 0:
            yield n / len(ids)


@router.post("/activities/contacts_tags_delete", status_code=201)
def delete_tags(
    request: Request, body: TagDelete = Depends(json_body(TagDelete))
) -> dict[str, Any]:
    """Deletes up to 500 tags and takes them off every contact, as the activity runs; a tag
    that does not exist (any more) is an activity error (the operation declares no 404)."""
    state = state_of(request)
    with state.lock:
        tag_ids = list(dict.fromkeys(body.tag_ids))
        status = {"items_total_count": len(tag_ids), "items_completed_count": 0}
        activity = bulk.submit(request, "contacts_tags_delete", status, tag_ids, _delete_tags)
        return activity_view(activity)


def _delete_tags(state: EmulatorState, a: Activity) -> Iterator[float]:
    gone = set()
    for tag_id in a.payload:
        if state.tags.pop(tag_id, None) is None:
            a.error(f"tag {tag_id} does not exist")
        else:
            gone.add(tag_id)
    for n, c in enumerate(list(state.contacts.by_id.values()), 1):
        if c.taggings and not gone.isdisjoint(c.taggings):
            c.taggings = tuple(t for t in c.taggings if t not in gone) or None
            state.touch(c)
        if n % 5000 == 0:
            yield 0.5
    a.status["items_completed_count"] = len(a.payload)
