"""Cursor paging: follow ``_links.next.href`` until it is missing or null.

A page that points at a cursor already followed would loop forever (or, worse,
quietly repeat records), so it is refused with ``RepeatedCursorError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from listbridge.constant_contact.errors import ApiError


class RepeatedCursorError(ApiError):
    def __init__(self, href: str) -> None:
        super().__init__(200, "paging", [f"the next page repeats a cursor already read: {href}"])


class Href(BaseModel):
    href: str | None = None


class PageLinks(BaseModel):
    next: Href | None = None


def next_href(body: dict[str, Any]) -> str | None:
    links = PageLinks.model_validate(body.get("_links") or {})
    return links.next.href if links.next and links.next.href else None


def pages(
    fetch: Callable[[str, dict[str, Any] | None], dict[str, Any]],
    path: str,
    params: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Each page's JSON body; ``fetch(path_or_href, params)`` does the GET."""
    seen: set[str] = set()
    body = fetch(path, params)
    yield body
    href = next_href(body)
    while href is not None:
        if href in seen:
            raise RepeatedCursorError(href)
        seen.add(href)
        body = fetch(href, None)
        yield body
        href = next_href(body)
