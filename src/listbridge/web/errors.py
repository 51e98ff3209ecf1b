"""The web layer's one mapping from errors to pages (the CLI maps them to exit codes)."""

from __future__ import annotations

import re

from listbridge.core.errors import (
    ListbridgeError,
    LockHeldError,
    NotConnectedError,
    RetriableApiError,
    UserError,
)

# A CRM database URL in a message keeps its password out of the page (as the CLI does).
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE)


def page_message(error: ListbridgeError) -> str:
    """The error's own words, with any URL's password masked."""
    text = str(error)
    if isinstance(error, RetriableApiError) and error.interrupted_run is not None:
        text += f"; run {error.interrupted_run} resumes when the job runs again"
    return _URL_PASSWORD.sub(r"\1***@", text)


def status_of(error: ListbridgeError) -> int:
    if isinstance(error, UserError):
        return 400
    if isinstance(error, LockHeldError | NotConnectedError):
        return 409
    if isinstance(error, RetriableApiError):
        return 503
    return 500
