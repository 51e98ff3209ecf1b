"""A connection's Constant Contact account: encrypted tokens, identity, health.

``StoredTokens`` is the client's ``TokenVault``: every save is one transaction that
replaces the access and the refresh token together, so a rotation is never half-saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from listbridge.config import NEW_SECRET_KEY_ENV, SECRET_KEY_ENV
from listbridge.core.errors import UserError
from listbridge.core.tokens import AccountIdentity, Health, OAuthApp, TokenSet
from listbridge.store.crm_choice import reencrypt_crm_urls
from listbridge.store.db import Store
from listbridge.store.models import CcAccount
from listbridge.store.secretbox import SecretBox, key_file, secret_box, write_key_file


def _tokens_json(tokens: TokenSet) -> str:
    return json.dumps(
        {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "obtained_at": tokens.obtained_at.isoformat(),
            "expires_at": tokens.expires_at.isoformat(),
            "scope": tokens.scope,
        }
    )


def _tokens_from(text: str) -> TokenSet:
    raw = json.loads(text)
    return TokenSet(
        raw["access_token"],
        raw["refresh_token"],
        datetime.fromisoformat(raw["obtained_at"]),
        datetime.fromisoformat(raw["expires_at"]),
        raw.get("scope", ""),
    )


@dataclass(frozen=True)
class ConnectionRecord:
    app: OAuthApp
    identity: AccountIdentity
    connected_at: datetime
    health: Health
    health_reason: str
    health_at: datetime | None
    token_obtained_at: datetime | None
    token_expires_at: datetime | None
    has_tokens: bool
    health_notified_at: datetime | None = None


def save_connection(
    store: Store,
    connection_id: int,
    box: SecretBox,
    app: OAuthApp,
    tokens: TokenSet,
    identity: AccountIdentity,
) -> None:
    """Record a new authorisation (replacing any earlier one) in one transaction."""
    now = datetime.now(UTC)
    with store.session() as session:
        row = session.get(CcAccount, connection_id) or CcAccount(connection_id=connection_id)
        row.client_id, row.api_base, row.auth_base = app.client_id, app.api_base, app.auth_base
        row.redirect_uri = app.redirect_uri
        row.client_secret_enc = box.encrypt(app.client_secret) if app.client_secret else None
        row.account_id, row.organization_name = identity.account_id, identity.organization_name
        row.owner_name, row.owner_email = identity.owner_name, identity.owner_email
        row.connected_at = now
        # A new authorisation ends any "needs reconnect" episode, and its e-mail with it.
        row.health, row.health_reason, row.health_at = Health.OK.value, "", now
        row.health_notified_at = None
        _put_tokens(row, box, tokens)
        session.add(row)


def _put_tokens(row: CcAccount, box: SecretBox, tokens: TokenSet) -> None:
    row.tokens_enc = box.encrypt(_tokens_json(tokens))
    row.token_obtained_at, row.token_expires_at = tokens.obtained_at, tokens.expires_at


def load_connection(store: Store, connection_id: int, box: SecretBox) -> ConnectionRecord | None:
    with store.session() as session:
        row = session.get(CcAccount, connection_id)
        if row is None:
            return None
        secret = box.decrypt(row.client_secret_enc) if row.client_secret_enc else None
        app = OAuthApp(row.client_id, row.api_base, row.auth_base, row.redirect_uri, secret)
        identity = AccountIdentity(
            row.account_id, row.organization_name, row.owner_name, row.owner_email
        )
        return ConnectionRecord(
            app,
            identity,
            row.connected_at,
            Health(row.health),
            row.health_reason,
            row.health_at,
            row.token_obtained_at,
            row.token_expires_at,
            row.tokens_enc is not None,
            row.health_notified_at,
        )


def stored_identity(store: Store, connection_id: int) -> AccountIdentity | None:
    """The account the connection's state belongs to (None: not connected); no secret read."""
    with store.session() as session:
        row = session.get(CcAccount, connection_id)
        if row is None:
            return None
        return AccountIdentity(
            row.account_id, row.organization_name, row.owner_name, row.owner_email
        )


def reencrypt_all(session: Session, rewrap: Callable[[str], str]) -> int:
    """Re-encrypt every secret with ``rewrap``; the caller commits (``secrets rotate``)."""
    count = 0
    for row in session.scalars(select(CcAccount)):
        if row.tokens_enc:
            row.tokens_enc, count = rewrap(row.tokens_enc), count + 1
        if row.client_secret_enc:
            row.client_secret_enc, count = rewrap(row.client_secret_enc), count + 1
    return count


class StoredTokens:
    """The ``TokenVault`` of one connection, backed by the store."""

    def __init__(self, store: Store, connection_id: int, box: SecretBox) -> None:
        self.store, self.connection_id, self.box = store, connection_id, box

    def load(self) -> TokenSet | None:
        with self.store.session() as session:
            row = session.get(CcAccount, self.connection_id)
            if row is None or row.tokens_enc is None:
                return None
            return _tokens_from(self.box.decrypt(row.tokens_enc))

    def save(self, tokens: TokenSet) -> None:
        with self.store.session() as session:
            row = session.get(CcAccount, self.connection_id)
            if row is None:
                raise LookupError(
                    f"connection {self.connection_id} has no Constant Contact account"
                )
            # Health is left alone: only a reconnect (save_connection) ends an episode, so
            # one lucky refresh in another process never un-pauses the schedules.
            _put_tokens(row, self.box, tokens)

    def mark_needs_reconnect(self, reason: str) -> None:
        mark_needs_reconnect(self.store, self.connection_id, reason, datetime.now(UTC))


def mark_needs_reconnect(store: Store, connection_id: int, reason: str, now: datetime) -> bool:
    """Start a "needs reconnect" episode; True when this call started it.

    A connection already marked keeps its first reason and since: later failures are
    the same episode, not news.
    """
    with store.session() as session:
        result = session.execute(
            update(CcAccount)
            .where(
                CcAccount.connection_id == connection_id,
                CcAccount.health != Health.NEEDS_RECONNECT.value,
            )
            .values(
                health=Health.NEEDS_RECONNECT.value,
                health_reason=reason,
                health_at=now,
                health_notified_at=None,
            )
        )
        return bool(getattr(result, "rowcount", 0))


def rotate_secrets(store: Store) -> int:
    """Re-encrypt every stored secret (tokens, client secrets, CRM database URLs) under a
    new key; the number of secrets re-encrypted.

    Key file: the new key is written beside it first (``.new``, read as well as the old
    one), the rows are re-encrypted in one transaction, then the new key replaces the
    old. A crash at any point leaves every secret readable. With ``LISTBRIDGE_SECRET_KEY``
    the new key comes from ``LISTBRIDGE_NEW_SECRET_KEY``; set it as the key afterwards.
    """
    box = secret_box(store)
    if store.config.secret_keys:
        return _rotate_to(store, box, _configured_new_key(store.config.new_secret_key))
    path = key_file(store)
    new_key = Fernet.generate_key()
    pending = path.with_name(path.name + ".new")
    write_key_file(pending, new_key)
    count = _rotate_to(store, box, new_key)
    write_key_file(path, new_key)
    pending.unlink(missing_ok=True)
    return count


def _configured_new_key(new: str) -> bytes:
    if not new:
        raise UserError(
            f"{SECRET_KEY_ENV} is set, so put the new key in {NEW_SECRET_KEY_ENV} (make one "
            "with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
    try:
        Fernet(new.encode())
    except ValueError as error:
        raise UserError(
            f"{NEW_SECRET_KEY_ENV} is not a Fernet key (32 url-safe base64 bytes)"
        ) from error
    return new.encode()


def _rotate_to(store: Store, box: SecretBox, new_key: bytes) -> int:
    def rewrap(token: str) -> str:
        return box.rotate(token, new_key)

    with store.session() as session:
        return reencrypt_all(session, rewrap) + reencrypt_crm_urls(session, rewrap)
