"""Error bodies as the real service sends them, and handlers so bad input never becomes a 500.

Most errors are the array form of D:APIErrorSchema; 401 is the object form of
D:AuthorizationErrorSchema (facts §3).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

log = logging.getLogger(__name__)
T = TypeVar("T")

_KEYS = {
    400: "contacts.api.validation.error",
    401: "unauthorized",
    403: "forbidden",
    404: "contacts.api.not.found",
    405: "method.not.allowed",
    409: "contacts.api.conflict",
    413: "payload.too.large",
    415: "unsupported.media.type",
    429: "too.many.requests",
    500: "internal.error",
    503: "service.unavailable",
}


class ApiError(Exception):
    """Raise anywhere in a request to answer with the spec's error body."""

    def __init__(self, status: int, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key or _KEYS.get(status, "error")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"{what} {ident} not found")


def found(records: Mapping[str, T], ident: str, what: str) -> T:
    """The record ``ident`` of ``records``; the 404 naming ``what`` and ``ident`` when absent."""
    record = records.get(ident)
    if record is None:
        raise not_found(what, ident)
    return record


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def error_body(status: int, message: str, key: str | None = None) -> JSONResponse:
    key = key or _KEYS.get(status, "error")
    if status == 401:
        return JSONResponse({"error_key": "unauthorized", "error_message": message}, status)
    return JSONResponse([{"error_key": key, "error_message": message}], status)


def unauthorized() -> JSONResponse:
    return error_body(401, "Unauthorized")


def allowed_methods(request: Request) -> str:
    """The ``Allow`` of a 405 (RFC 9110 §15.5.6): every method served on this path. The
    framework names only the first route that matched, one method. Where a literal path
    shares a path with a parameter (``/activities/custom_fields_delete`` and
    ``/activities/{activity_id}``), the literal one is the resource: its methods count."""
    path = request.url.path
    matched = [
        (literals, served)
        for pattern, literals, served in _route_table(request.app)
        if pattern.match(path)
    ]
    best = max((literals for literals, _ in matched), default=0)
    return ", ".join(
        sorted({m for literals, served in matched if literals == best for m in served})
    )


def shadows_a_literal_path(request: Request, template: str) -> bool:
    """Whether the route that matched (``template``, with its ``/v3`` prefix) is a parameter
    route standing in for a literal path that does not serve this method, as
    ``PUT /contact_lists/{list_id}`` does for ``/contact_lists/list_id_xrefs``: that path is
    the literal one's resource, so the method is not allowed there (405), not "no such list"."""
    matched = sum(1 for s in template.split("/") if s and not s.startswith("{"))
    path = request.url.path
    best = max(
        (literals for pattern, literals, _ in _route_table(request.app) if pattern.match(path)),
        default=0,
    )
    return best > matched


RouteRow = tuple[re.Pattern[str], int, frozenset[str]]


def _route_table(app: FastAPI) -> list[RouteRow]:
    """(path pattern, literal segments, methods) of every route, included routers' too;
    built once per app."""
    table: list[RouteRow] | None = getattr(app.state, "route_table", None)
    if table is None:
        table = []
        for route in iter_route_contexts(app.router.routes):
            if route.path and route.methods:
                literals = sum(1 for s in route.path.split("/") if s and not s.startswith("{"))
                table.append((compile_path(route.path)[0], literals, frozenset(route.methods)))
        app.state.route_table = table
    return table


def describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_body(exc.status, exc.message, exc.key)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_body(400, describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = error_body(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("emulator error on %s %s", request.method, request.url.path)
        return error_body(500, "internal error")
