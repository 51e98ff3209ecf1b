"""Who is looking at a page, and through which connection.

An install holds several named connections; the header's switcher picks one, kept in a
cookie so every page (and every tab) keeps working on it until switched again.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from listbridge.core.permissions import Grants, Permission
from listbridge.store.connections import connection_names, find_connection
from listbridge.store.db import Store

CONNECTION_COOKIE = "listbridge_connection"
#: the CLI's default `--connection`: chosen first when nothing else is
DEFAULT_CONNECTION = "default"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a request, with the connection the page is about."""

    user_id: int
    name: str
    grants: Grants
    csrf_token: str
    connections: tuple[str, ...]
    connection: str | None
    connection_id: int | None
    #: the page was opened with ?connection=NAME: remember the choice
    switched: bool = False
    #: cookies set for this request must be Secure (TLS)
    secure: bool = False

    def can(self, permission: Permission | str) -> bool:
        return self.grants.can(Permission(permission))


@dataclass(frozen=True)
class Chosen:
    names: tuple[str, ...]
    name: str | None
    id: int | None
    switched: bool


def choose_connection(store: Store, request: Request) -> Chosen:
    """The connection asked for (?connection=), else remembered (cookie), else the default
    one, else the first; None when the install has none yet. Nothing is created here."""
    names = tuple(connection_names(store))
    asked = request.query_params.get("connection")
    remembered = request.cookies.get(CONNECTION_COOKIE)
    for candidate, switched in ((asked, True), (remembered, False), (DEFAULT_CONNECTION, False)):
        if candidate and candidate in names:
            return Chosen(names, candidate, find_connection(store, candidate), switched)
    if not names:
        return Chosen(names, None, None, False)
    return Chosen(names, names[0], find_connection(store, names[0]), False)


def is_secure(request: Request, secure_cookies: bool) -> bool:
    """Cookies get Secure behind TLS: configured so, or this request came over https."""
    return secure_cookies or request.url.scheme == "https"
