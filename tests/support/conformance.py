"""Check requests and responses against the official Constant Contact v3 spec.

``validate_response`` finds the spec operation for a method and a ``/v3/...`` path and
checks the status and the JSON body against the declared response schema (Swagger 2.0
``definitions`` are already JSON Schema draft 4, so the schema is validated with the
spec's ``definitions`` as its root). ``validate_request_body`` does the same for a
request body, so our own client can be held to the spec too. ``conformance_hooks()``
plugs both into an ``httpx.Client`` so that every exchange a test makes is checked.

Only the defects of fact sheet §12 are tolerated (see ``ccspec.TOLERANCES``). The one
addition here is §12.12/§3: error responses declare no schema at all, so an error body
is held to the spec's own ``APIErrorSchema`` (an array) or, for 401,
``AuthorizationErrorSchema`` (one object) rather than left unchecked.

Status codes: a success status the operation does not declare is a failure. An error
status it does not declare is allowed (the spec's top-level ``responses`` describe
405/415/429/503 for any call, facts §2 says 429 can come from anywhere, and issue 3 asks
for 413 on oversized bodies), but its body must still be the error array.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema_rs
from tests.support.ccspec import conformant_spec

API_PREFIX = "/v3"
_METHODS = ("get", "put", "post", "delete", "patch")


class ConformanceError(AssertionError):
    """An exchange with the API does not conform to the official spec."""


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literal_segments: int

    @property
    def spec(self) -> dict[str, Any]:
        return dict(conformant_spec()["paths"][self.template][self.method.lower()])

    @property
    def label(self) -> str:
        return f"{self.method} {API_PREFIX}{self.template}"


def _compile(method: str, template: str) -> Operation:
    regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
    literals = sum(1 for part in template.split("/") if part and not part.startswith("{"))
    return Operation(method, template, re.compile(f"^{regex}$"), literals)


@functools.cache
def operations() -> tuple[Operation, ...]:
    paths = conformant_spec()["paths"]
    return tuple(
        _compile(method.upper(), template)
        for template, item in paths.items()
        for method in item
        if method in _METHODS
    )


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation serving ``method path``; literal segments beat parameters."""
    bare = path.split("?", 1)[0].removeprefix(API_PREFIX) or "/"
    found = [op for op in operations() if op.method == method.upper() and op.pattern.match(bare)]
    return max(found, key=lambda op: op.literal_segments, default=None)


def _is_uuid(value: str) -> bool:
    # Swagger's `format: uuid` is not a draft-4 format; facts §0 says ids are UUIDs.
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


@functools.cache
def _validator(kind: str, method: str, template: str, key: str) -> jsonschema_rs.Validator:
    schema = _schema_for(kind, method, template, key)
    rooted = {**schema, "definitions": conformant_spec()["definitions"]}
    return jsonschema_rs.Draft4Validator(rooted, validate_formats=True, formats={"uuid": _is_uuid})


def _schema_for(kind: str, method: str, template: str, key: str) -> dict[str, Any]:
    if kind == "definition":
        return {"$ref": f"#/definitions/{key}"}
    operation = conformant_spec()["paths"][template][method.lower()]
    if kind == "response":
        return dict(operation["responses"][key]["schema"])
    return dict(next(p["schema"] for p in operation.get("parameters", []) if p["in"] == "body"))


def _schema_problems(validator: jsonschema_rs.Validator, instance: Any, where: str) -> list[str]:
    return [
        f"{where}: {error.message} at /{'/'.join(map(str, error.instance_path))}"
        for error in validator.iter_errors(instance)
    ][:20]


def _parse_json(body: bytes, where: str) -> tuple[Any, list[str]]:
    try:
        return json.loads(body), []
    except ValueError:
        return None, [f"{where}: body is not JSON: {body[:200]!r}"]


def response_problems(
    method: str, path: str, status: int, body: bytes, content_type: str = "application/json"
) -> list[str]:
    """Every way this response departs from the spec (an empty list if it conforms)."""
    operation = find_operation(method, path)
    where = f"{method} {path} -> {status}"
    if operation is None:
        if status >= 400:
            return _error_body_problems(status, body, where)
        return [f"{where}: no operation in the spec serves this path"]
    declared = operation.spec.get("responses", {}).get(str(status))
    if declared is None and status < 400:
        return [f"{where}: status {status} is not declared for {operation.label}"]
    if declared is not None and "schema" in declared:
        return _declared_body_problems(operation, status, body, content_type, where)
    if status >= 400:
        return _error_body_problems(status, body, where)
    if status == 204 and body:
        return [f"{where}: 204 with a body"]
    return []


def _declared_body_problems(
    operation: Operation, status: int, body: bytes, content_type: str, where: str
) -> list[str]:
    produces = operation.spec.get("produces") or conformant_spec().get("produces", [])
    if "application/json" not in produces and not content_type.startswith("application/json"):
        return []  # e.g. the text/csv export download: nothing JSON to check
    if not content_type.startswith("application/json"):
        return [f"{where}: content type {content_type!r}, expected application/json"]
    instance, problems = _parse_json(body, where)
    if problems:
        return problems
    validator = _validator("response", operation.method, operation.template, str(status))
    return _schema_problems(validator, instance, where)


def _error_body_problems(status: int, body: bytes, where: str) -> list[str]:
    # §12.12 / §3: errors declare no schema; apply the spec's unreferenced error shapes.
    instance, problems = _parse_json(body, where)
    if problems:
        return problems
    name = "AuthorizationErrorSchema" if status == 401 else "APIErrorSchema"
    return _schema_problems(_validator("definition", "", "", name), instance, where)


def validate_response(
    method: str, path: str, status: int, body: bytes, content_type: str = "application/json"
) -> None:
    problems = response_problems(method, path, status, body, content_type)
    if problems:
        raise ConformanceError("\n".join(problems))


def request_body_problems(method: str, path: str, body: Any) -> list[str]:
    """Every way a JSON request body departs from the operation's body schema."""
    operation = find_operation(method, path)
    where = f"{method} {path} request"
    if operation is None:
        return [f"{where}: no operation in the spec serves this path"]
    has_body = any(p.get("in") == "body" for p in operation.spec.get("parameters", []))
    if not has_body:
        return [] if body is None else [f"{where}: {operation.label} takes no JSON body"]
    validator = _validator("request", operation.method, operation.template, "body")
    return _schema_problems(validator, body, where)


def validate_request_body(method: str, path: str, body: Any) -> None:
    problems = request_body_problems(method, path, body)
    if problems:
        raise ConformanceError("\n".join(problems))


def check_response(response: httpx.Response) -> None:
    """httpx response hook: every ``/v3`` response must conform."""
    _check_exchange(response.request, response)


def _check_exchange(request: httpx.Request, response: httpx.Response) -> None:
    if not request.url.path.startswith(f"{API_PREFIX}/"):
        return
    response.read()
    content_type = response.headers.get("content-type", "")
    validate_response(
        request.method, request.url.path, response.status_code, response.content, content_type
    )


def check_request(request: httpx.Request) -> None:
    """httpx request hook: every JSON body sent to ``/v3`` must conform."""
    if not request.url.path.startswith(f"{API_PREFIX}/"):
        return
    if not request.headers.get("content-type", "").startswith("application/json"):
        return
    body, problems = _parse_json(request.read(), f"{request.method} {request.url.path}")
    if problems:
        raise ConformanceError("\n".join(problems))
    validate_request_body(request.method, request.url.path, body)


def conformance_hooks(*, requests: bool = False) -> dict[str, list[Callable[[Any], None]]]:
    """Event hooks for ``httpx.Client``; ``requests=True`` also checks what is sent."""
    hooks: dict[str, list[Callable[[Any], None]]] = {"response": [check_response]}
    if requests:
        hooks["request"] = [check_request]
    return hooks


class ConformingTransport(httpx.BaseTransport):
    """A transport that checks every ``/v3`` exchange passing through it.

    For clients that take a transport rather than hooks (our own CC client): requests are
    checked before they are sent, responses before the client sees them.
    """

    def __init__(self, inner: httpx.BaseTransport | None = None, *, requests: bool = True) -> None:
        self._inner = inner or httpx.HTTPTransport()
        self._requests = requests

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._requests:
            check_request(request)
        response = self._inner.handle_request(request)
        _check_exchange(request, response)
        return response

    def close(self) -> None:
        self._inner.close()
