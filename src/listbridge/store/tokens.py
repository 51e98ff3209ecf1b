"""A connection's Constant Contact account: encrypted tokens, identity, health.

``StoredTokens`` is the client's ``TokenVault``: every save is one transaction that
replaces the access and the refresh token together, so a rotation is never half-saved.

A connection made with ``connect --reuse OTHER`` holds no authorisation of its own: its
row names OTHER's (``tokens_of``), and every read and save of the app and the tokens goes
to that row, so a refresh made by either connection is the one both use. Its identity
and health stay its own; a lost authorisation is lost for every connection sharing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from listbridge.config import NEW_SECRET_KEY_ENV, SECRET_KEY_ENV
from listbridge.core.errors import UserError
from listbridge.core.tokens import AccountIdentity, Health, OAuthApp, TokenSet
from listbridge.store.crm_choice import reencrypt_crm_urls
from listbridge.store.db import Store
from listbridge.store.models import CcAccount, Connection
from listbridge.store.secret_scrub import scrub_old_ciphertext
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
    #: the connection whose authorisation this one reuses (None: its own)
    tokens_of: int | None = None


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
        row.tokens_of = None  # a connect of its own: its own authorisation from now on
        _put_tokens(row, box, tokens)
        session.add(row)
        # The connections reusing this authorisation have it renewed too.
        session.execute(
            update(CcAccount)
            .where(CcAccount.tokens_of == connection_id)
            .values(
                health=Health.OK.value, health_reason="", health_at=now, health_notified_at=None
            )
        )


def _holder(session: Session, row: CcAccount) -> CcAccount:
    """The row that holds `row`'s authorisation: its own, or the one it reuses."""
    if row.tokens_of is None:
        return row
    held = session.get(CcAccount, row.tokens_of)
    return held if held is not None else row


def reuse_in(session: Session, connection_id: int, other_id: int) -> AccountIdentity:
    """``connect --reuse``: the connection uses connection `other_id`'s authorisation (no
    OAuth round trip); its identity is the other's. UserError (nothing saved) when the
    other has no working authorisation or this connection belongs to another account.
    In the caller's transaction: the web admin creates a connection and links it in one."""
    other = session.get(CcAccount, other_id)
    row = session.get(CcAccount, connection_id)
    _refuse_reuse(session, connection_id, row, other_id, other)
    assert other is not None
    holder = _holder(session, other)
    # Those that reused this connection's authorisation move with it to the other's.
    session.execute(
        update(CcAccount)
        .where(CcAccount.tokens_of == connection_id)
        .values(tokens_of=holder.connection_id)
    )
    row = row if row is not None else CcAccount(connection_id=connection_id)
    _share(row, holder, other, datetime.now(UTC))
    session.add(row)
    return AccountIdentity(
        other.account_id, other.organization_name, other.owner_name, other.owner_email
    )


def _refuse_reuse(
    session: Session,
    connection_id: int,
    row: CcAccount | None,
    other_id: int,
    other: CcAccount | None,
) -> None:
    """UserError when connection `connection_id` may not take `other_id`'s authorisation."""
    name, other_name = _name(session, connection_id), _name(session, other_id)
    if other_id == connection_id:
        raise UserError(f"connection {name!r} cannot reuse its own authorisation")
    if other is None or _holder(session, other).tokens_enc is None:
        raise UserError(
            f"connection {other_name!r} is not connected to Constant Contact: run "
            f"`listbridge --connection {other_name} connect` first"
        )
    if other.health == Health.NEEDS_RECONNECT.value:
        raise UserError(
            f"connection {other_name!r} needs reconnecting ({other.health_reason}): "
            f"reconnect it first"
        )
    if row is not None and row.account_id not in ("", other.account_id):
        raise UserError(
            f"connection {name!r} is linked to Constant Contact account {row.account_id} "
            f"({row.organization_name}); connection {other_name!r} is authorised for "
            f"account {other.account_id} ({other.organization_name}): run "
            "`listbridge disconnect` first, or use another --connection"
        )


def _share(row: CcAccount, holder: CcAccount, other: CcAccount, now: datetime) -> None:
    """`row` uses `holder`'s authorisation from now on, as account `other` knows it."""
    row.client_id, row.api_base, row.auth_base = (
        holder.client_id,
        holder.api_base,
        holder.auth_base,
    )
    row.redirect_uri = holder.redirect_uri
    row.client_secret_enc, row.tokens_enc = None, None
    row.token_obtained_at, row.token_expires_at = None, None
    row.tokens_of = holder.connection_id
    row.account_id, row.organization_name = other.account_id, other.organization_name
    row.owner_name, row.owner_email = other.owner_name, other.owner_email
    row.connected_at = now
    row.health, row.health_reason, row.health_at = Health.OK.value, "", now
    row.health_notified_at = None


def sharing_with(store: Store, connection_id: int) -> list[str]:
    """The other connections that use the same stored authorisation, by name."""
    with store.session() as session:
        row = session.get(CcAccount, connection_id)
        if row is None:
            return []
        holder = row.tokens_of if row.tokens_of is not None else connection_id
        query = (
            select(Connection.name)
            .join(CcAccount, CcAccount.connection_id == Connection.id)
            .where(or_(CcAccount.connection_id == holder, CcAccount.tokens_of == holder))
            .where(CcAccount.connection_id != connection_id)
            .order_by(Connection.name)
        )
        return list(session.scalars(query))


def hand_over_authorisation(session: Session, connection_id: int) -> None:
    """Before the connection's row goes (``disconnect``): the connections reusing its
    authorisation keep it, held from now on by the first of them."""
    heirs = list(
        session.scalars(
            select(CcAccount)
            .where(CcAccount.tokens_of == connection_id)
            .order_by(CcAccount.connection_id)
        )
    )
    row = session.get(CcAccount, connection_id)
    if not heirs or row is None:
        return
    heir = heirs[0]
    heir.client_secret_enc, heir.tokens_enc = row.client_secret_enc, row.tokens_enc
    heir.token_obtained_at, heir.token_expires_at = row.token_obtained_at, row.token_expires_at
    heir.tokens_of = None
    for other in heirs[1:]:
        other.tokens_of = heir.connection_id
    session.flush()


def token_age(store: Store, connection_id: int) -> tuple[bool, datetime | None]:
    """Whether the connection is healthy, and when its tokens (its own or those it reuses)
    were obtained; no secret read."""
    with store.session() as session:
        row = session.get(CcAccount, connection_id)
        if row is None:
            return False, None
        return row.health == Health.OK.value, _holder(session, row).token_obtained_at


def _name(session: Session, connection_id: int) -> str:
    return str(session.scalar(select(Connection.name).where(Connection.id == connection_id)))


def _put_tokens(row: CcAccount, box: SecretBox, tokens: TokenSet) -> None:
    row.tokens_enc = box.encrypt(_tokens_json(tokens))
    row.token_obtained_at, row.token_expires_at = tokens.obtained_at, tokens.expires_at


def load_connection(store: Store, connection_id: int, box: SecretBox) -> ConnectionRecord | None:
    with store.session() as session:
        row = session.get(CcAccount, connection_id)
        if row is None:
            return None
        held = _holder(session, row)
        secret = box.decrypt(held.client_secret_enc) if held.client_secret_enc else None
        app = OAuthApp(held.client_id, held.api_base, held.auth_base, held.redirect_uri, secret)
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
            held.token_obtained_at,
            held.token_expires_at,
            held.tokens_enc is not None,
            row.health_notified_at,
            row.tokens_of,
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
            held = None if row is None else _holder(session, row)
            if held is None or held.tokens_enc is None:
                return None
            return _tokens_from(self.box.decrypt(held.tokens_enc))

    def save(self, tokens: TokenSet) -> None:
        with self.store.session() as session:
            row = session.get(CcAccount, self.connection_id)
            if row is None:
                raise LookupError(
                    f"connection {self.connection_id} has no Constant Contact account"
                )
            # Health is left alone: only a reconnect (save_connection) ends an episode, so
            # one lucky refresh in another process never un-pauses the schedules.
            _put_tokens(_holder(session, row), self.box, tokens)

    def mark_needs_reconnect(self, reason: str) -> None:
        mark_needs_reconnect(self.store, self.connection_id, reason, datetime.now(UTC))


def mark_needs_reconnect(store: Store, connection_id: int, reason: str, now: datetime) -> bool:
    """Start a "needs reconnect" episode (for every connection sharing the authorisation);
    True when this call started one.

    A connection already marked keeps its first reason and since: later failures are
    the same episode, not news.
    """
    with store.session() as session:
        # One authorisation lost is lost for every connection that shares it.
        row = session.get(CcAccount, connection_id)
        holder = row.tokens_of if row is not None and row.tokens_of is not None else connection_id
        result = session.execute(
            update(CcAccount)
            .where(
                or_(CcAccount.connection_id == holder, CcAccount.tokens_of == holder),
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
    Either way the leftovers of the rows under the old key are scrubbed (secret_scrub.py).
    """
    box = secret_box(store)
    if store.config.secret_keys:
        count = _rotate_to(store, box, _configured_new_key(store.config.new_secret_key))
        scrub_old_ciphertext(store)
        return count
    path = key_file(store)
    new_key = Fernet.generate_key()
    pending = path.with_name(path.name + ".new")
    write_key_file(pending, new_key)
    count = _rotate_to(store, box, new_key)
    write_key_file(path, new_key)
    pending.unlink(missing_ok=True)
    scrub_old_ciphertext(store)
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
