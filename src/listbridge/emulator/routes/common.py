"""What every ``/v3`` router shares: the gate (counters, faults, rate limits) and scope check."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from listbridge.emulator.auth import require_scope
from listbridge.emulator.gate import api_gate


def api_router(scope: str) -> APIRouter:
    return APIRouter(dependencies=[Depends(api_gate), Depends(require_scope(scope))])
