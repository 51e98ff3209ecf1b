"""``/stats`` and ``/stats/{campaign_id}``: how the campaigns did."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
