"""``/lists/{name}``: one list's members on both sides, adding and removing them, binding it."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
