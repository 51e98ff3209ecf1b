"""Opaque cursors and ``_links.next.href`` values in the host-relative ``/v3/...`` form."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from listbridge.emulator.errors import bad_request


def encode_cursor(position: int | str) -> str:
    raw = f"lb1:{position}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The position a cursor stands for; a cursor we did not issue is a 400."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith("lb1:"):
        raise bad_request(f"cursor: {cursor!r} is not a valid cursor")
    return raw[4:]


def int_cursor(cursor: str | None) -> int | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    if not position.isdigit():
        raise bad_request(f"cursor: {cursor!r} is not a valid cursor")
    return int(position)


def next_links(request: Request, position: int | str | None) -> dict[str, Any]:
    """``{"next": {"href": ...}}`` keeping the request's filters, or ``{}`` on the last page."""
    if position is None:
        return {}
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    params.append(("cursor", encode_cursor(position)))
    return {"next": {"href": f"{request.url.path}?{urlencode(params)}"}}


def check_limit(limit: int, low: int, high: int, name: str = "limit") -> int:
    if not low <= limit <= high:
        raise bad_request(f"{name}: {limit} is not between {low} and {high}")
    return limit
