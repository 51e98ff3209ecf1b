"""``/accounts`` and ``/accounts/{id}``: find an account, see it, push it."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
