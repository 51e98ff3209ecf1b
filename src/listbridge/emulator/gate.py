"""What happens to every ``/v3`` request before its route runs: counting, faults, rate limits.

Counters are keyed by method and route template (``POST /v3/activities/contacts_json_import``)
so benchmarks can read the API cost of a job from ``GET /__emulator__/counters``; they also
count calls per second of the clock the rate limit judges by, and the 429s answered.
"""

from __future__ import annotations

import asyncio
import random
from typing import NoReturn

from fastapi import Request
from starlette.exceptions import HTTPException

from listbridge.emulator.auth import state_of
from listbridge.emulator.errors import ApiError, shadows_a_literal_path
from listbridge.emulator.state import EmulatorState

_dice = random.Random(20260101)


def reseed(seed: int) -> None:
    """The faults control's ``seed``: the same requests in the same order meet the same
    faults again (the rate faults all draw from this one generator)."""
    _dice.seed(seed)


def roll(rate: float) -> bool:
    """Whether this request meets a fault injected at ``rate``."""
    return bool(rate) and _dice.random() < rate


def _template(request: Request) -> str:
    route = request.scope.get("route")
    template: str = getattr(route, "path", request.url.path)
    # Routers are mounted under /v3 but may report their own, prefix-less template.
    if request.url.path.startswith("/v3/") and not template.startswith("/v3/"):
        template = "/v3" + template
    return template


def endpoint_key(request: Request) -> str:
    return f"{request.method} {_template(request)}"


async def api_gate(request: Request) -> None:
    if shadows_a_literal_path(request, _template(request)):
        raise HTTPException(405, "Method Not Allowed")  # the handler adds Allow
    state = state_of(request)
    with state.lock:
        state.counters.count(endpoint_key(request))
        faults = state.faults
    if faults.latency_ms:
        with state.lock:
            state.counters.count_fault("latency")
        await asyncio.sleep(faults.latency_ms / 1000)
    with state.lock:
        now = state.clock()
        state.counters.count_second(now)
    if roll(faults.rate_429):
        with state.lock:
            state.counters.count_fault("429")
        _refuse(state, "Too many requests. You exceeded the request rate limit")
    if roll(faults.rate_5xx):
        with state.lock:
            state.counters.count_fault("5xx")
        raise ApiError(503, "The service is temporarily unavailable (injected fault)")
    refusal = request.app.state.limiter.admit(now)
    if refusal:
        _refuse(state, refusal)


def _refuse(state: EmulatorState, message: str) -> NoReturn:
    with state.lock:
        state.counters.count_429()
    raise ApiError(429, message)
