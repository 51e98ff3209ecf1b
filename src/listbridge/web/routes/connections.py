"""``/connections``: the install's named connections: create, reuse, switch."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
