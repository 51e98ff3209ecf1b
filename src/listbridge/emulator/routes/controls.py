"""/__emulator__/: test-only controls (reset, seed, unsubscribe, faults, counters, limits,
tokens, the account's identity)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from listbridge.emulator import consent_ops as consent
from listbridge.emulator import contact_ops as ops
from listbridge.emulator import contact_rules as rules
from listbridge.emulator import seed as seeding
from listbridge.emulator.auth import state_of
from listbridge.emulator.body import json_body
from listbridge.emulator.campaign_send import seed_campaigns
from listbridge.emulator.errors import ApiError
from listbridge.emulator.gate import reseed
from listbridge.emulator.schemas import ControlBody as Body  # null means none there

router = APIRouter()


class SeedIn(Body):
    contacts: Annotated[int, Field(ge=0, le=2_000_000)] = 0
    lists: Annotated[int, Field(ge=0, le=1000)] = 0
    custom_fields: Annotated[int, Field(ge=0, le=100)] = 0
    campaigns: Annotated[int, Field(ge=0, le=200)] = 0
    seed: int = 0


class FaultsIn(Body):
    rate_429: Annotated[float, Field(ge=0, le=1)] = 0.0
    rate_5xx: Annotated[float, Field(ge=0, le=1)] = 0.0
    latency_ms: Annotated[int, Field(ge=0, le=60_000)] = 0
    revoke_tokens: bool = False
    reset_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    malformed_json_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    activity_outcome: Literal["failed", "timed_out"] | None = None
    activity_hold: bool = False
    seed: int | None = None


class LimitsIn(Body):
    """null is no limit; a field left out keeps its limit."""

    rate_limit: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    daily_limit: Annotated[int, Field(ge=1, le=100_000_000)] | None = None


class ClientIn(Body):
    client_id: Annotated[str, Field(min_length=1, max_length=200)]
    client_secret: Annotated[str, Field(min_length=1, max_length=500)]


class UnsubscribeIn(Body):
    opt_out_reason: str | None = None


class AccountIn(Body):
    encoded_account_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    organization_name: Annotated[str, Field(min_length=1, max_length=300)] | None = None


@router.post("/reset")
def reset(request: Request) -> dict[str, str]:
    state_of(request).reset()
    return {"status": "reset"}


@router.post("/account")
def account(request: Request, body: AccountIn = Depends(json_body(AccountIn))) -> dict[str, Any]:
    """The token now belongs to another account (the emulator serves one at a time): what a
    reconnect to a different Constant Contact account looks like. The data stays."""
    state = state_of(request)
    changes = body.model_dump(exclude_none=True)
    with state.lock:
        state.account = replace(state.account, **changes)
        return state.account.summary(frozenset())


@router.post("/seed")
async def seed(request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = SeedIn() if not raw.strip() else await json_body(SeedIn)(request)
    state = state_of(request)
    with state.lock:
        created = seeding.seed(state, body.contacts, body.lists, body.custom_fields, body.seed)
        created["campaign_ids"] = seed_campaigns(state, body.campaigns, body.seed)
        return created


@router.post("/contacts/{contact_id}/unsubscribe")
async def unsubscribe(request: Request, contact_id: str) -> dict[str, Any]:
    raw = await request.body()
    body = UnsubscribeIn() if not raw.strip() else await json_body(UnsubscribeIn)(request)
    reason = body.opt_out_reason
    state = state_of(request)
    with state.lock:
        c = ops.get_contact(state, contact_id)
        was = c.permission
        rules.unsubscribe(state, c, "Contact", reason)
        if was != c.permission:
            state.touch(c, "Contact")
        return {
            "contact_id": c.contact_id,
            "permission_to_send": c.permission,
            "opt_out_source": c.opt_out_source,
        }


@router.post("/contacts/{contact_id}/confirm_resubscribe")
def confirm_resubscribe(request: Request, contact_id: str) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        c = ops.get_contact(state, contact_id)
        consent.confirm_resubscribe(state, c)
        return {
            "contact_id": c.contact_id,
            "permission_to_send": c.permission,
            "list_memberships": list(c.lists or ()),
        }


@router.post("/faults")
def faults(request: Request, body: FaultsIn = Depends(json_body(FaultsIn))) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        f = state.faults
        f.rate_429, f.rate_5xx, f.latency_ms = body.rate_429, body.rate_5xx, body.latency_ms
        f.reset_rate, f.malformed_json_rate = body.reset_rate, body.malformed_json_rate
        f.activity_outcome, f.activity_hold = body.activity_outcome, body.activity_hold
        if body.seed is not None:
            reseed(body.seed)
        if body.revoke_tokens:
            state.counters.count_fault("revoke_tokens")
            for token in state.tokens.values():
                token.revoked = True
            state.stamp()  # a change worth saving
        return {
            "rate_429": f.rate_429,
            "rate_5xx": f.rate_5xx,
            "latency_ms": f.latency_ms,
            "revoke_tokens": body.revoke_tokens,
            "reset_rate": f.reset_rate,
            "malformed_json_rate": f.malformed_json_rate,
            "activity_outcome": f.activity_outcome,
            "activity_hold": f.activity_hold,
            "seed": body.seed,
        }


@router.post("/clients", status_code=201)
def register_client(
    request: Request, body: ClientIn = Depends(json_body(ClientIn))
) -> dict[str, str]:
    """Make ``client_id`` a confidential client: the token endpoint will want its secret."""
    state = state_of(request)
    with state.lock:
        state.clients[body.client_id] = body.client_secret
    return {"client_id": body.client_id}


@router.get("/counters")
def counters(request: Request) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        return state.counters.as_json()


@router.post("/counters/reset")
def reset_counters(request: Request) -> dict[str, Any]:
    state = state_of(request)
    with state.lock:
        state.counters.clear()
        return state.counters.as_json()


@router.get("/limits")
def limits(request: Request) -> dict[str, int | None]:
    limiter = request.app.state.limiter
    return {"rate_limit": limiter.per_second, "daily_limit": limiter.per_day}


@router.post("/limits")
def set_limits(
    request: Request, body: LimitsIn = Depends(json_body(LimitsIn))
) -> dict[str, int | None]:
    """Change `--rate-limit`/`--daily-limit` while the emulator runs: a benchmark prepares
    a million contacts unpaced, then measures its steps at Constant Contact's rate. The
    windows already counted stay counted."""
    limiter = request.app.state.limiter
    given = body.model_fields_set
    with state_of(request).lock:
        if "rate_limit" in given:
            limiter.per_second = body.rate_limit
        if "daily_limit" in given:
            limiter.per_day = body.daily_limit
    return limits(request)


@router.get("/tokens")
def tokens(request: Request) -> dict[str, list[str]]:
    state = state_of(request)
    with state.lock:
        values = list(state.tokens.values())
    return {
        "access_tokens": [t.value for t in values if t.kind == "access"],
        "refresh_tokens": [t.value for t in values if t.kind == "refresh"],
    }


@router.post("/activities/wait")
def wait_for_activities(request: Request) -> dict[str, str]:
    """Block until every queued activity has finished (saves tests from polling); 409 at
    once while the faults control holds them."""
    if not request.app.state.worker.wait_idle():
        raise ApiError(409, "bulk activities are held by the faults control (activity_hold)")
    return {"status": "idle"}
