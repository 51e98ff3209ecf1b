"""``/lists`` and ``/lists/{name}``: the connection's lists on both sides."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
