"""Request bodies: media type (415 where declared, else 400), size (413), JSON syntax and
shape (400), in that order."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.routing import compile_path

from listbridge.emulator.errors import ApiError

M = TypeVar("M", bound=BaseModel)

JSON_415 = "payload must be in JSON format, and Content-Type must be application/json"
#: the emulated ``/v3`` operations whose responses declare 415; every other one declares
#: only 400 for a bad body, so a missing or wrong content type is a 400 there (issue 22)
DECLARES_415 = frozenset(
    {
        ("POST", "/v3/contacts"),
        ("DELETE", "/v3/contacts/{contact_id}"),
        ("POST", "/v3/contact_custom_fields"),
        ("DELETE", "/v3/contact_lists/{list_id}"),
        ("POST", "/v3/activities/contacts_file_import"),
        ("POST", "/v3/emails"),
        ("PATCH", "/v3/emails/{campaign_id}"),
        ("PUT", "/v3/emails/activities/{campaign_activity_id}"),
        ("POST", "/v3/account/emails"),
        ("POST", "/v3/account/summary/physical_address"),
        ("PUT", "/v3/account/summary/physical_address"),
        ("POST", "/v3/segments"),
        ("PUT", "/v3/segments/{segment_id}"),
        ("PATCH", "/v3/segments/{segment_id}/name"),
    }
)


_DECLARED_415 = [(method, compile_path(path)[0]) for method, path in DECLARES_415]


def media_error_status(request: Request) -> int:
    """415 where the operation declares it (and on the emulator's own controls), else 400."""
    path = request.url.path
    if not path.startswith("/v3/"):
        return 415
    declared = any(m == request.method and p.match(path) for m, p in _DECLARED_415)
    return 415 if declared else 400


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"request body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        status = media_error_status(request)
        raise ApiError(status, JSON_415 if status == 415 else f"body: {JSON_415}")
    raw = await read_limited(request, request.app.state.config.max_request_bytes)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from exc


def validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, validation_message(exc)) from exc


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency giving the request body parsed as ``model``."""

    async def dependency(request: Request) -> M:
        return parse_model(model, await read_json(request))

    return dependency
