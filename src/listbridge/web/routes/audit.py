"""``/audit``: the change journal, searchable and exportable."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
