"""/v3/account: the account the token belongs to, and what its user may do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from listbridge.emulator.auth import Unauthorized, bearer_token, state_of, valid_access_token
from listbridge.emulator.contact_query import csv_values
from listbridge.emulator.gate import api_gate
from listbridge.emulator.routes.common import api_router

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


def any_valid_token(request: Request) -> None:
    """The privileges operation names no scope: any live access token will do."""
    if valid_access_token(state_of(request), bearer_token(request)) is None:
        raise Unauthorized()


router = api_router("account_read")
privileges_router = APIRouter(dependencies=[Depends(api_gate), Depends(any_valid_token)])


@router.get("/account/summary")
async def account_summary(request: Request, extra_fields: str | None = None) -> dict[str, Any]:
    asked = frozenset(csv_values(extra_fields, "extra_fields", tuple(sorted(EXTRA_FIELDS))))
    return state_of(request).account.summary(asked)


@privileges_router.get("/account/user/privileges")
async def user_privileges() -> list[dict[str, Any]]:
    return [{"privilege_id": i, "privilege_name": name} for i, name in enumerate(PRIVILEGES, 1)]
