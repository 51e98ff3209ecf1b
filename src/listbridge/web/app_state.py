"""What the web app keeps for every request of its process, made when first asked for."""

from __future__ import annotations

import threading
from typing import TypeVar

from fastapi import Request

T = TypeVar("T")

# One lock for every such thing: two first requests at once make one, never two (each
# with half the users' answers); making any of them is quick.
_made = threading.Lock()


def made_once(request: Request, name: str, kind: type[T]) -> T:
    """The app's ``name`` (``app.state.<name>``), a ``kind()`` made on first use; a test
    may set its own first."""
    state = request.app.state
    with _made:
        if getattr(state, name, None) is None:
            setattr(state, name, kind())
        found = getattr(state, name)
    assert isinstance(found, kind), f"app.state.{name} is a {type(found).__name__}"
    return found
