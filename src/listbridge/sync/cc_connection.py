"""Wiring the Constant Contact client to the store: connect, open, disconnect.

Every command that talks to Constant Contact gets its client from ``open_client``,
so a connection that needs reconnecting stops there with exit code 4 (and its
administrator hears of it once: sync/health.py).
``CLIENT_OPTIONS`` lets tests put a transport or event hooks under every client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from listbridge.config import BROKER_URL_ENV, RATE_LIMIT_URL_ENV, ProcessConfig
from listbridge.constant_contact import oauth
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.limiter import RequestLimiter, shared_limiter
from listbridge.constant_contact.models import AccountSummary
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.errors import NotConnectedError, UserError
from listbridge.core.tokens import AccountIdentity, Health, OAuthApp, reconnect_message
from listbridge.store.budget import StoredBudget
from listbridge.store.connections import connection_name
from listbridge.store.db import Store
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import load_connection, save_connection, stored_identity
from listbridge.sync.health import NotifyingVault, review_health

CLIENT_OPTIONS: dict[str, Any] = {}
Authorize = Callable[[oauth.PendingAuthorization, httpx.Client], str]


def client_config(app: OAuthApp) -> ClientConfig:
    return ClientConfig(
        client_id=app.client_id,
        client_secret=app.client_secret,
        api_base=app.api_base,
        auth_base=app.auth_base,
        redirect_uri=app.redirect_uri,
    )


def _session(
    store: Store, connection_id: int, config: ClientConfig, vault: Any, holder: int | None = None
) -> ApiSession:
    """`holder`: the connection whose authorisation it reuses (`connect --reuse`)."""
    options = dict(CLIENT_OPTIONS)
    if "limiter" not in options:
        options["limiter"] = account_limiter(store, connection_id, holder, config.rate_per_second)
    return ApiSession(
        config, vault, StoredBudget(store, connection_id, config.daily_limit), **options
    )


def account_limiter(
    store: Store, connection_id: int, holder: int | None, rate: float
) -> RequestLimiter:
    """The rate is Constant Contact's per account: every connection of one account, in
    every process that shares the Redis (if one is configured), draws from one limit.
    Before the account is known (a first `connect`), the connection (or the one whose
    authorisation it reuses) stands for it."""
    identity = stored_identity(store, connection_id)
    account = identity.account_id if identity is not None else ""
    url, variable = rate_limit_redis(store.config)
    if not url:
        return shared_limiter(
            f"account:{account}" if account else _fallback_key(store, connection_id, holder), rate
        )
    from listbridge.constant_contact.redis_limiter import redis_limiter  # redis, only when used

    if account:
        return redis_limiter(url, f"account:{account}", rate, variable)
    # The store's URL may hold a password: only a digest of it goes into a Redis key.
    digest = hashlib.sha256(store.url.encode()).hexdigest()[:16]
    return redis_limiter(url, f"connection:{digest}:{holder or connection_id}", rate, variable)


def _fallback_key(store: Store, connection_id: int, holder: int | None) -> str:
    return f"{store.url}#{holder or connection_id}"


def rate_limit_redis(config: ProcessConfig) -> tuple[str, str]:
    """The Redis URL that shares the rate between processes and the variable it came from;
    ("", "") when each process limits itself (the embedded default)."""
    if config.rate_limit_url:
        return config.rate_limit_url, RATE_LIMIT_URL_ENV
    if config.broker_url.startswith(("redis://", "rediss://")):
        return config.broker_url, BROKER_URL_ENV
    return "", ""


def open_client(store: Store, connection_id: int) -> ConstantContact:
    """The connection's client; NotConnectedError (exit 4) when it cannot be used."""
    box = secret_box(store)
    review_health(store, connection_id, box, datetime.now(UTC))
    record = load_connection(store, connection_id, box)
    if record is None or not record.has_tokens:
        raise NotConnectedError("not connected to Constant Contact: run `listbridge connect`")
    if record.health is Health.NEEDS_RECONNECT:
        raise NotConnectedError(record.health_reason or reconnect_message("authorisation lost"))
    vault = NotifyingVault(store, connection_id, box)
    config = client_config(record.app)
    return ConstantContact(_session(store, connection_id, config, vault, record.tokens_of))


@dataclass(frozen=True)
class Connected:
    identity: AccountIdentity
    app: OAuthApp


def connect(store: Store, connection_id: int, app: OAuthApp, authorize: Authorize) -> Connected:
    """Run the code flow, read the account, and save both in one transaction.

    UserError (and nothing saved) when the connection belongs to another account."""
    config = client_config(app)
    pending = oauth.begin(config)
    with httpx.Client(timeout=config.timeout_seconds, **_plain_options()) as http:
        code = oauth.code_from_redirect(pending, authorize(pending, http))
        tokens = oauth.exchange(http, config, pending, code, datetime.now(UTC))
    vault = MemoryVault(tokens)
    client = ConstantContact(_session(store, connection_id, config, vault))
    try:
        identity = _identity(client.account_summary())
    finally:
        client.close()
    _refuse_another_account(store, connection_id, identity)
    assert vault.tokens is not None
    save_connection(store, connection_id, secret_box(store), app, vault.tokens, identity)
    return Connected(identity, app)


def _identity(summary: AccountSummary) -> AccountIdentity:
    return AccountIdentity(
        summary.encoded_account_id or "",
        summary.organization_name or "",
        summary.owner,
        summary.contact_email or "",
    )


def _refuse_another_account(store: Store, connection_id: int, new: AccountIdentity) -> None:
    """Links, cursors and lists hold the ids of the account they came from: mixing in another
    account's ids is how contacts and opt-outs get lost. Re-authorising the same account
    (a lost or revoked token) is fine; another one needs a disconnect first."""
    old = stored_identity(store, connection_id)
    if old is None or old.account_id in ("", new.account_id):
        return
    name = connection_name(store, connection_id)
    raise UserError(
        f"connection {name!r} is linked to Constant Contact account {old.account_id} "
        f"({old.organization_name}); this authorisation is for account {new.account_id} "
        f"({new.organization_name}): run `listbridge disconnect` first, "
        "or use another --connection"
    )


def _plain_options() -> dict[str, Any]:
    return {k: v for k, v in CLIENT_OPTIONS.items() if k in ("transport", "event_hooks")}


def probe(store: Store, connection_id: int) -> AccountIdentity:
    """One cheap call that proves the authorisation still works (and refreshes it)."""
    client = open_client(store, connection_id)
    try:
        return _identity(client.account_summary())
    finally:
        client.close()
