"""/v3/contacts: read, write, consent and the migration cross-references."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response

from listbridge.emulator import consent_ops as consent
from listbridge.emulator import contact_ops as ops
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.contact_query import (
    STATUSES,
    ContactQuery,
    count_matches,
    csv_values,
    instant,
    parse_include,
    run_query,
)
from listbridge.emulator.errors import bad_request
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.schemas import ContactPost, ContactPut, Resubscribe, SignUpForm
from listbridge.emulator.segments import member_predicate
from listbridge.emulator.sms import SMS_STATUSES, sms_permission
from listbridge.emulator.views import contact_view

router = api_router("contact_data")


async def contact_query(
    request: Request,
    status: str | None = None,
    email: str | None = None,
    lists: str | None = None,
    tags: str | None = None,
    segment_id: str | None = None,
    updated_after: str | None = None,
    updated_before: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
    optout_after: str | None = None,
    optout_before: str | None = None,
    include: str | None = None,
    sms_status: str | None = None,
) -> ContactQuery:
    """The GET /contacts filters, checked."""
    if segment_id is not None:
        return _segment_query(request, segment_id)
    query = ContactQuery(
        statuses=frozenset(csv_values(status, "status", STATUSES)),
        email=email,
        lists=csv_values(lists, "lists", most=25),
        tags=csv_values(tags, "tags", most=50),
        updated_after=instant(updated_after, "updated_after") or -1,
        updated_before=instant(updated_before, "updated_before"),
        created_after=instant(created_after, "created_after"),
        created_before=instant(created_before, "created_before"),
        optout_after=instant(optout_after, "optout_after"),
        optout_before=instant(optout_before, "optout_before"),
        include=parse_include(include),
    )
    sms_wanted = frozenset(csv_values(sms_status, "sms_status", SMS_STATUSES))
    if sms_wanted and "all" not in sms_wanted:
        query.predicates.append(lambda c: sms_permission(c) in sms_wanted)
    return query


def _segment_query(request: Request, segment_id: str) -> ContactQuery:
    """The live contacts a segment selects. ``segment_id`` "can only be combined with the
    limit query parameter" (and with ``cursor`` and ``include_count``, which filter nothing)."""
    others = sorted(set(request.query_params) - {"segment_id", "limit", "cursor", "include_count"})
    if others:
        raise bad_request(f"segment_id: can only be combined with limit, not {', '.join(others)}")
    if not segment_id.isdigit():
        raise bad_request(f"segment_id: {segment_id!r} is not a single segment id")
    state = state_of(request)
    with state.lock:
        query = ContactQuery()
        query.predicates.append(member_predicate(state, int(segment_id)))
    return query


@router.get("/contacts")
async def list_contacts(
    request: Request,
    q: ContactQuery = Depends(contact_query),
    include_count: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    check_limit(limit, 1, 500)
    state = state_of(request)
    with state.lock:
        page, more = run_query(state, q, int_cursor(cursor), limit)
        body: dict[str, Any] = {"contacts": [contact_view(c, q.include) for c in page]}
        if include_count:
            body["contacts_count"] = count_matches(state, q)
    body["_links"] = next_links(request, page[-1].updated_at if more else None)
    return body


@router.post("/contacts", status_code=201)
def create_contact(
    request: Request, body: ContactPost = Depends(json_body(ContactPost))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return contact_view(ops.create_contact(state, body))


@router.get("/contacts/counts")
def contact_counts(request: Request, include: str | None = None) -> dict[str, int]:
    wanted = csv_values(include, "include", ("new_subscriber", "new_subscribers"))
    state = state_of(request)
    with state.lock:
        return _counts(state, bool(wanted))


def _counts(state: Any, new_subscribers: bool) -> dict[str, int]:
    counts = dict.fromkeys(("total", "explicit", "implicit", "pending", "unsubscribed"), 0)
    month_ago = state.now() - 30 * 86_400_000_000
    fresh = 0
    for c in state.contacts.by_id.values():
        if c.is_deleted:
            continue
        counts["total"] += 1
        key = "pending" if c.permission == "pending_confirmation" else c.permission
        if key in counts:
            counts[key] += 1
        fresh += (c.opt_in_date or 0) > month_ago and not c.is_unsubscribed
    if new_subscribers:
        counts["new_subscriber"] = fresh
    return counts


@router.get("/contacts/contact_id_xrefs")
def contact_xrefs(request: Request, sequence_ids: str) -> dict[str, Any]:
    ids = csv_values(sequence_ids, "sequence_ids", most=500)
    if not all(i.isdigit() for i in ids):
        raise bad_request("sequence_ids: must be comma-separated integers")
    # Contacts created here have no V2 ids, so no cross-reference exists.
    return {"xrefs": []}


@router.post("/contacts/sign_up_form")
def sign_up_form(
    request: Request, response: Response, body: SignUpForm = Depends(json_body(SignUpForm))
) -> dict[str, str]:
    state = state_of(request)
    with state.lock:
        contact, created = consent.sign_up(state, body)
    response.status_code = 201 if created else 200
    # The spec leaves ``action`` open; ``created``/``updated`` is our assumption.
    return {"contact_id": contact.contact_id, "action": "created" if created else "updated"}


@router.put("/contacts/resubscribe/{contact_id}")
def resubscribe(
    request: Request, contact_id: str, body: Resubscribe = Depends(json_body(Resubscribe))
) -> Response:
    state = state_of(request)
    with state.lock:
        consent.request_resubscribe(state, ops.get_contact(state, contact_id), body.list_ids)
    return Response(status_code=200)


@router.get("/contacts/{contact_id}")
def get_contact(request: Request, contact_id: str, include: str | None = None) -> dict[str, Any]:
    wanted = parse_include(include)
    state = state_of(request)
    with state.lock:
        return contact_view(ops.get_contact(state, contact_id), wanted)


@router.put("/contacts/{contact_id}")
def put_contact(
    request: Request, contact_id: str, body: ContactPut = Depends(json_body(ContactPut))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return contact_view(ops.replace_contact(state, ops.get_contact(state, contact_id), body))


@router.delete("/contacts/{contact_id}", status_code=204)
def delete_contact(request: Request, contact_id: str) -> Response:
    state = state_of(request)
    with state.lock:
        ops.delete_contact(state, ops.get_contact(state, contact_id))
    return Response(status_code=204)
