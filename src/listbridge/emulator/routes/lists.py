"""/v3/contact_lists: CRUD, membership counts, xrefs; DELETE is an activity (202 + Location)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from listbridge.emulator import bulk
from listbridge.emulator.activities import activity_view
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.contact_query import csv_values
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.model import ContactList
from listbridge.emulator.paging import check_limit, int_cursor, next_links
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.schemas import ListIn
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import list_view

router = api_router("contact_data")
LIST_STATUSES = ("all", "active", "deleted")
CHANNEL_TYPES = ("email", "sms")


def get_list(state: EmulatorState, list_id: str) -> ContactList:
    lst = state.lists.get(list_id)
    if lst is None or lst.deleted_at is not None:
        raise not_found("list", list_id)
    return lst


def _name_taken(state: EmulatorState, name: str, renamed: ContactList | None) -> None:
    """List names are unique ignoring case (casefold, as listbridge's own checks compare
    them); the list being renamed is no clash, so `Kl` → `kl` is one PUT. A clash is the
    409 POST declares; PUT declares no 409, so there it is the 400 of a validation error."""
    for lst in state.live_lists():
        if lst is not renamed and lst.name.casefold() == name.casefold():
            status = 409 if renamed is None else 400
            message = f"name: a list named {name!r} already exists ({lst.list_id})"
            raise ApiError(status, message)


def sms_member_count(state: EmulatorState, list_id: str, kind: str | None) -> int | None:
    """Live members with an SMS channel; ``active`` ones have explicit promotional consent."""
    if kind is None:
        return None
    by_id = state.contacts.by_id
    count = 0
    for cid in state.members.get(list_id, set()):
        c = by_id[cid]
        if c.is_deleted or not c.sms:
            continue
        if kind == "all" or any(
            row["sms_consent_permission"] == "explicit" for row in c.sms.get("consents", ())
        ):
            count += 1
    return count


def member_count(state: EmulatorState, list_id: str, kind: str | None) -> int | None:
    if kind is None:
        return None
    members = state.members.get(list_id, set())
    if kind == "all":
        return len(members)
    by_id = state.contacts.by_id
    return sum(1 for cid in members if not by_id[cid].is_deleted and not by_id[cid].is_unsubscribed)


@router.get("/contact_lists")
def list_lists(
    request: Request,
    limit: int = 50,
    include_count: bool = False,
    include_membership_count: str | None = None,
    name: str | None = None,
    status: str | None = None,
    channel_type: str = "email",
    include_sms_membership_count: bool = False,
    cursor: str | None = None,
) -> dict[str, Any]:
    check_limit(limit, 1, 1000)
    statuses = set(csv_values(status, "status", LIST_STATUSES)) or {"active"}
    if include_membership_count not in (None, "all", "active"):
        raise bad_request("include_membership_count does not have a valid value")
    if channel_type not in CHANNEL_TYPES:
        raise bad_request(f"channel_type: {channel_type!r} is not one of email, sms")
    counting = include_membership_count
    if channel_type == "sms":
        # every list holds both channels' members; the counts are of SMS members
        counting = include_membership_count or ("all" if include_sms_membership_count else None)
        counter = sms_member_count
    else:
        counter = member_count
    state = state_of(request)
    with state.lock:
        rows = [
            lst
            for lst in state.lists.values()
            if _status_ok(lst, statuses) and (name is None or lst.name == name)
        ]
        start = int_cursor(cursor) or 0
        page = rows[start : start + limit]
        body: dict[str, Any] = {
            "lists": [list_view(lst, counter(state, lst.list_id, counting)) for lst in page]
        }
    if include_count:
        body["lists_count"] = len(rows)
    body["_links"] = next_links(request, start + limit if start + limit < len(rows) else None)
    return body


def _status_ok(lst: ContactList, statuses: set[str]) -> bool:
    if "all" in statuses:
        return True
    return ("deleted" if lst.deleted_at is not None else "active") in statuses


@router.post("/contact_lists", status_code=201)
def create_list(request: Request, body: ListIn = Depends(json_body(ListIn))) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        _name_taken(state, body.name, None)
        lst = ContactList(state.new_id(), body.name, state.stamp(), state.next_sequence())
        lst.favorite, lst.description = body.favorite, body.description
        state.lists[lst.list_id] = lst
        return list_view(lst)


@router.get("/contact_lists/list_id_xrefs")
def list_xrefs(request: Request, sequence_ids: str) -> dict[str, Any]:
    ids = csv_values(sequence_ids, "sequence_ids", most=500)
    if not all(i.isdigit() for i in ids):
        raise bad_request("sequence_ids: must be comma-separated integers")
    state = state_of(request)
    with state.lock:
        by_seq = {str(lst.sequence_id): lst.list_id for lst in state.lists.values()}
    return {"xrefs": [{"sequence_id": i, "list_id": by_seq[i]} for i in ids if i in by_seq]}


@router.get("/contact_lists/{list_id}")
def read_list(
    request: Request, list_id: str, include_membership_count: str | None = None
) -> dict[str, Any]:
    if include_membership_count not in (None, "all", "active"):
        raise bad_request("include_membership_count does not have a valid value")
    state = state_of(request)
    with state.lock:
        lst = get_list(state, list_id)
        return list_view(lst, member_count(state, list_id, include_membership_count))


@router.put("/contact_lists/{list_id}")
def update_list(
    request: Request, list_id: str, body: ListIn = Depends(json_body(ListIn))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        lst = get_list(state, list_id)
        _name_taken(state, body.name, lst)
        lst.name, lst.favorite, lst.description = body.name, body.favorite, body.description
        lst.updated_at = state.stamp()
        return list_view(lst)


@router.delete("/contact_lists/{list_id}", status_code=202)
def delete_list(request: Request, list_id: str) -> JSONResponse:
    state = state_of(request)
    with state.lock:
        get_list(state, list_id)
        activity = bulk.submit_list_delete(request, [list_id])
        view = activity_view(activity)
    return JSONResponse(view, 202, headers={"Location": view["_links"]["self"]["href"]})
