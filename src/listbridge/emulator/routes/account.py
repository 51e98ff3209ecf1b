"""/v3/account: the account the token belongs to, what its user may do, its physical address
and its e-mail addresses; and the control that confirms an address as its owner would."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from listbridge.emulator import account_rules as rules
from listbridge.emulator.account_profile import AccountEmail, AccountProfile
from listbridge.emulator.auth import Unauthorized, bearer_token, state_of, valid_access_token
from listbridge.emulator.body import json_body
from listbridge.emulator.contact_query import csv_values
from listbridge.emulator.errors import bad_request, conflict, not_found
from listbridge.emulator.gate import api_gate
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso

EXTRA_FIELDS = frozenset({"physical_address", "company_logo"})
# The account owner holds every privilege a sync needs (facts §1, x-authorization-privileges).
PRIVILEGES = (
    "account:read",
    "contacts:read",
    "contacts:write",
    "contacts:lists:read",
    "contacts:lists:write",
    "campaign:read",
    "campaign:write",
    "campaign:delete",
    "ui:campaign:metrics",
)
# The abbreviations P:GET /account/emails allows for its enumerated filters.
CONFIRM_STATUSES = {"CONFIRMED": "CONFIRMED", "C": "CONFIRMED", "UNCONFIRMED": "UNCONFIRMED"}
CONFIRM_STATUSES["U"] = "UNCONFIRMED"
ROLE_CODES = {r: r for r in ("CONTACT", "BILLING", "JOURNALING", "REPLY_TO", "OTHER")}
ROLE_CODES |= {r[0]: r for r in list(ROLE_CODES)}


def any_valid_token(request: Request) -> None:
    """The privileges operation names no scope: any live access token will do."""
    if valid_access_token(state_of(request), bearer_token(request)) is None:
        raise Unauthorized()


router = api_router("account_read")
update_router = api_router("account_update")
privileges_router = APIRouter(dependencies=[Depends(api_gate), Depends(any_valid_token)])
control_router = APIRouter()


def _change(state: EmulatorState, account: AccountProfile) -> None:
    """Swap in the new profile (under the caller's lock); the new stamp makes the periodic
    ``--state`` save see the change."""
    state.account = account
    state.stamp()


@router.get("/account/summary")
async def account_summary(request: Request, extra_fields: str | None = None) -> dict[str, Any]:
    asked = frozenset(csv_values(extra_fields, "extra_fields", tuple(sorted(EXTRA_FIELDS))))
    return state_of(request).account.summary(asked)


@update_router.put("/account/summary")
def put_summary(
    request: Request, body: rules.CustomerPutIn = Depends(json_body(rules.CustomerPutIn))
) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        _change(state, rules.update_summary(state.account, body))
        return state.account.editable_view()


@router.get("/account/summary/physical_address")
def get_physical_address(request: Request) -> dict[str, Any]:
    address = state_of(request).account.physical_address
    if address is None:
        # 404 is not declared here; 400 is, and says the request cannot be answered as asked
        raise bad_request(
            "physical_address: the account has none yet; add it with "
            "POST /account/summary/physical_address"
        )
    return address.view()


@update_router.post("/account/summary/physical_address")
def post_physical_address(
    request: Request,
    body: rules.PhysicalAddressIn = Depends(json_body(rules.PhysicalAddressIn)),
) -> JSONResponse:
    address = rules.physical_address(body)
    state = state_of(request)
    with state.lock:
        if state.account.physical_address is not None:
            raise conflict(
                "physical_address: the account already has one; change it with "
                "PUT /account/summary/physical_address"
            )
        _change(state, replace(state.account, physical_address=address))
    return JSONResponse(address.view(), status_code=201)


@update_router.put("/account/summary/physical_address")
def put_physical_address(
    request: Request,
    body: rules.PhysicalAddressIn = Depends(json_body(rules.PhysicalAddressIn)),
) -> dict[str, Any]:
    # the whole address is replaced: a property left out is removed (the body's text)
    address = rules.physical_address(body)
    state = state_of(request)
    with state.lock:
        _change(state, replace(state.account, physical_address=address))
    return address.view()


@router.get("/account/emails")
def account_emails(
    request: Request,
    confirm_status: str | None = None,
    role_code: str | None = None,
    email_address: str | None = None,
) -> list[dict[str, Any]]:
    sent = {
        name: value
        for name, value in (
            ("confirm_status", confirm_status),
            ("role_code", role_code),
            ("email_address", email_address),
        )
        if value is not None
    }
    if len(sent) > 1:
        raise bad_request(f"{', '.join(sent)}: only one of these filters may be used at a time")
    status = _enum(confirm_status, "confirm_status", CONFIRM_STATUSES)
    role = _enum(role_code, "role_code", ROLE_CODES)
    wanted = email_address.strip().lower() if email_address is not None else None
    rows = [
        e
        for e in state_of(request).account.emails
        if (status is None or e.confirm_status == status)
        and (role is None or role in e.roles)
        and (wanted is None or e.email_address.lower() == wanted)
    ]
    return [email_view(e) for e in rows]


def _enum(value: str | None, name: str, allowed: dict[str, str]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise bad_request(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return allowed[value]


@update_router.post("/account/emails")
def add_account_email(
    request: Request, body: rules.AccountEmailIn = Depends(json_body(rules.AccountEmailIn))
) -> JSONResponse:
    state = state_of(request)
    with state.lock:
        row = rules.add_email(state.account, body)
        _change(state, state.account.with_email(row))
    view = {k: v for k, v in email_view(row).items() if k in _CREATED}
    return JSONResponse(view, status_code=201)


_CREATED = ("email_id", "email_address", "confirm_status")


def email_view(e: AccountEmail) -> dict[str, Any]:
    """D:AccountEmails item; confirmation details only once confirmed."""
    view: dict[str, Any] = {
        "email_id": e.email_id,
        "email_address": e.email_address,
        "confirm_status": e.confirm_status,
        "roles": list(e.roles),
        "pending_roles": list(e.pending_roles),
    }
    if e.confirmed:
        view["confirm_time"] = iso(e.confirm_time)
        view["confirm_source_type"] = e.confirm_source_type
    return view


@privileges_router.get("/account/user/privileges")
async def user_privileges() -> list[dict[str, Any]]:
    return [{"privilege_id": i, "privilege_name": name} for i, name in enumerate(PRIVILEGES, 1)]


@control_router.post("/account/emails/{email_id}/confirm")
def confirm_email(request: Request, email_id: int) -> dict[str, Any]:
    """What the owner's click on the confirmation link does: the address becomes CONFIRMED
    (and may then send campaigns), taking its pending roles."""
    state = state_of(request)
    with state.lock:
        row = next((e for e in state.account.emails if e.email_id == email_id), None)
        if row is None:
            raise not_found("account e-mail address", str(email_id))
        confirmed = replace(
            row,
            confirm_status="CONFIRMED",
            confirm_time=row.confirm_time or state.now(),
            confirm_source_type=row.confirm_source_type or "SITE_OWNER",
            roles=tuple(dict.fromkeys((*row.roles, *row.pending_roles))),
            pending_roles=(),
        )
        _change(state, state.account.with_email(confirmed))
    return email_view(confirmed)


@control_router.delete("/account/physical_address")
def remove_physical_address(request: Request) -> dict[str, str]:
    """An account without an address (as a new one is), so that a client's POST of its
    address can be tried."""
    state = state_of(request)
    with state.lock:
        _change(state, replace(state.account, physical_address=None))
    return {"status": "removed"}
