"""Connecting from the browser, through the same code path as `listbridge connect`
(sync/cc_connection.connect, then the lists copy).

Against an --auto-approve emulator the authorisation is approved headlessly, as
`connect --emulator URL` does. Against the real service the person approves in their
browser: ``connect`` runs in a thread whose ``authorize`` step hands the authorisation URL
to the page (which redirects there) and waits for ``/setup/callback`` to bring the
redirect back; the PKCE verifier never leaves the process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx

from listbridge.constant_contact import oauth
from listbridge.core.errors import ListbridgeError, UserError
from listbridge.core.tokens import OAuthApp
from listbridge.store.db import Store
from listbridge.sync.cc_connection import Connected, connect
from listbridge.sync.lists.copy_to_crm import ListCopy, copy_cc_lists
from listbridge.web.errors import page_message

EMULATOR_CLIENT_ID = "listbridge"  # what `connect --emulator` uses
#: how long an authorisation page may stay open before its attempt is dropped
APPROVAL_SECONDS = 600.0


def emulator_app(url: str) -> OAuthApp:
    """The app `connect --emulator URL` builds (loopback redirect, public client)."""
    root = url.strip().rstrip("/")
    if not root.startswith(("http://", "https://")):
        raise UserError(f"the emulator's URL must start with http:// or https://, got {url!r}")
    from listbridge.constant_contact.config import DEFAULT_REDIRECT

    return OAuthApp(
        EMULATOR_CLIENT_ID, f"{root}/v3", f"{root}/oauth2/default/v1", DEFAULT_REDIRECT, None
    )


def _headless(pending: oauth.PendingAuthorization, http: httpx.Client) -> str:
    return oauth.follow_authorize(http, pending)


def connect_headless(store: Store, connection_id: int, app: OAuthApp) -> tuple[Connected, ListCopy]:
    connected = connect(store, connection_id, app, _headless)
    return connected, copy_lists(store, connection_id)


def copy_lists(store: Store, connection_id: int) -> ListCopy:
    """connect.copy_lists, once connected; a failure is said, not a failed connect."""
    try:
        return copy_cc_lists(store, connection_id, origin="web")
    except ListbridgeError as error:
        return ListCopy(skipped=page_message(error))


@dataclass
class _Attempt:
    """One browser authorisation in flight: the thread running `connect` waits in it."""

    url: str = ""
    redirect: str = ""
    outcome: str = ""
    failed: bool = False
    url_ready: threading.Event = field(default_factory=threading.Event)
    came_back: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class BrowserConnects:
    """The attempts waiting for their callback, by OAuth `state`."""

    _waiting: dict[str, _Attempt] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, store: Store, connection_id: int, app: OAuthApp) -> str:
        """The authorisation URL to send the browser to."""
        attempt = _Attempt()

        def authorize(pending: oauth.PendingAuthorization, _http: httpx.Client) -> str:
            with self._lock:
                self._waiting[pending.state] = attempt
            attempt.url = pending.url
            attempt.url_ready.set()
            if not attempt.came_back.wait(APPROVAL_SECONDS):
                with self._lock:
                    self._waiting.pop(pending.state, None)
                raise UserError("the authorisation was not completed in time; connect again")
            return attempt.redirect

        def run() -> None:
            try:
                connected = connect(store, connection_id, app, authorize)
                copy_lists(store, connection_id)
                attempt.outcome = connected.identity.organization_name
            except ListbridgeError as error:
                attempt.outcome, attempt.failed = page_message(error), True
            finally:
                attempt.url_ready.set()
                attempt.done.set()

        threading.Thread(target=run, name="web-connect", daemon=True).start()
        attempt.url_ready.wait(30)
        if not attempt.url:
            raise UserError(attempt.outcome or "the authorisation could not be started")
        return attempt.url

    def finish(self, state: str, redirect_url: str) -> tuple[bool, str]:
        """(connected?, the account's name or why not) once the callback came back."""
        with self._lock:
            attempt = self._waiting.pop(state, None)
        if attempt is None:
            return (
                False,
                "this authorisation answers no connect attempt of this server: connect again",
            )
        attempt.redirect = redirect_url
        attempt.came_back.set()
        attempt.done.wait(120)
        return not attempt.failed, attempt.outcome
