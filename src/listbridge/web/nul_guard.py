"""No request value may hold a NUL character (byte 0, `%00` in a URL or a form).

No name, address, filter or id of listbridge holds one, and PostgreSQL cannot take one
in a text parameter at all: the query would fail as a server error, wherever the value
went (a sign-in name, an account id in the path, a search box). So every request is
checked once, before its route runs, and one holding a NUL gets a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException, Request

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_nul(request: Request) -> None:
    """400 when a path part, a query parameter or a form field holds a NUL."""
    _check("path", request.path_params.items())
    _check("parameter", request.query_params.multi_items())
    if request.headers.get("content-type", "").startswith(_FORMS):
        form = await request.form()  # Starlette caches the parsed form for the route
        _check("field", ((k, v) for k, v in form.multi_items() if isinstance(v, str)))


def _check(kind: str, items: Iterable[tuple[str, object]]) -> None:
    for name, value in items:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            shown = name.replace("\x00", "\\x00")
            raise HTTPException(
                400, f"the {kind} {shown!r} holds a NUL character (byte 0), which no value has"
            )
