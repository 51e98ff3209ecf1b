"""Signed-in browsers, failed sign-ins, and the link that creates the first administrator.

The browser holds a random token (`secrets.token_urlsafe(32)`: 256 bits); the store keeps
only its SHA-256, so a copy of the database signs no one in. Every sign-in makes a new
token: one planted in a browser before sign-in (session fixation) is worth nothing after.
Failed sign-ins, and the attempts whose password is still being checked, are kept here,
not in a process's memory, so that every server process counts them (core/login_limit.py
decides from their times how long sign-in is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from listbridge.core.errors import UserError
from listbridge.core.login_limit import DEFAULT_LIMIT, LoginLimit, locked_for
from listbridge.store.db import Store
from listbridge.store.models import WebLoginFailure, WebSession, WebSignupToken, WebUser
from listbridge.store.passwords import check_name, hash_password, name_key
from listbridge.store.users import (
    UserInfo,
    count_users_in,
    insert_user,
    rows_changed,
    user_info,
)

#: last_seen_at is written at most this often: not one write per page a user opens
TOUCH_EVERY = timedelta(minutes=1)
#: failures older than this are of no use to any limit and are dropped
KEEP_FAILURES = timedelta(days=1)
MAX_ADDRESS = 64


@dataclass(frozen=True)
class NewSession:
    token: str = field(repr=False)  # for the cookie; the store never sees it again
    csrf_token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class SessionInfo:
    user: UserInfo
    csrf_token: str = field(repr=False)
    expires_at: datetime

    def csrf_matches(self, given: str) -> bool:
        """Whether a form's CSRF token is this session's (compared in constant time)."""
        return hmac.compare_digest(self.csrf_token.encode(), given.encode())


def create_session(
    store: Store,
    user_id: int,
    *,
    lifetime: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> NewSession:
    now = now or datetime.now(UTC)
    token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.session() as session:
        if session.get(WebUser, user_id) is None:
            raise UserError(f"no user with id {user_id}")
        # Sessions whose browser never came back would otherwise stay for ever.
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        session.add(
            WebSession(
                id=_digest(token),
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
            )
        )
    return NewSession(token, csrf_token, now + lifetime)


def session_of(store: Store, token: str, *, now: datetime | None = None) -> SessionInfo | None:
    """The signed-in user of a session token; None for an unknown or expired one."""
    now = now or datetime.now(UTC)
    with store.session() as session:
        row = session.get(WebSession, _digest(token))
        if row is None:
            return None
        if row.expires_at <= now:
            session.delete(row)
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
        user = user_info(session, row.user_id)
        return None if user is None else SessionInfo(user, row.csrf_token, row.expires_at)


def end_session(store: Store, token: str) -> bool:
    """Sign out; False when there was no such session."""
    with store.session() as session:
        ended = session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
        return bool(rows_changed(ended))


def end_sessions_of(store: Store, user_id: int) -> int:
    """Sign a user out everywhere; how many sessions were ended."""
    with store.session() as session:
        ended = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        return rows_changed(ended)


def record_failure(
    store: Store, user_key: str, address: str, at: datetime, *, in_flight: bool = False
) -> int:
    """A failed sign-in for a name (any case: the key is normalised) from an address, or
    (`in_flight`) the mark of one whose password is being checked; its id."""
    with store.session() as session:
        session.execute(delete(WebLoginFailure).where(WebLoginFailure.at < at - KEEP_FAILURES))
        row = WebLoginFailure(
            user_key=_key(user_key), address=_address(address), at=at, in_flight=in_flight
        )
        session.add(row)
        session.flush()
        return row.id


def count_attempt(
    store: Store, user_key: str, address: str, now: datetime, limit: LoginLimit = DEFAULT_LIMIT
) -> int | timedelta:
    """Mark a sign-in attempt in flight before its password is checked: the mark's id (go
    on and check it, then `attempt_failed` or `clear_failures`), or how long sign-in is
    refused (the attempt is then not counted).

    Checking first and counting after the (slow) password check let guesses sent at once
    all pass the check before any was counted: twenty at once had 7 to 14 checked where
    the limit allows 5. Marked first, each attempt sees every other one marked before it
    looks, so at most the name's limit's worth go on. A mark counts against its name, not
    its address (core/login_limit.py): people signing in at once from one address are
    no failures until a password turns out wrong."""
    wait = login_locked_for(store, user_key, address, now, limit)
    if wait is not None:
        return wait
    mine = record_failure(store, user_key, address, now, in_flight=True)
    wait = login_locked_for(store, user_key, address, now, limit, besides=mine)
    if wait is None:
        return mine
    with store.session() as session:
        session.execute(delete(WebLoginFailure).where(WebLoginFailure.id == mine))
    return wait


def attempt_failed(store: Store, mark: int, user_key: str, address: str, at: datetime) -> None:
    """The password of the attempt marked `mark` (made at `at`) was wrong: a failure now,
    against its name and its address. A mark gone meanwhile is written anew."""
    with store.session() as session:
        turned = session.execute(
            update(WebLoginFailure)
            .where(WebLoginFailure.id == mark, WebLoginFailure.in_flight.is_(True))
            .values(in_flight=False)
        )
        if rows_changed(turned):
            return
    record_failure(store, user_key, address, at)


def failures_since(
    store: Store, *, user_key: str | None = None, address: str | None = None, since: datetime
) -> int:
    """Failed sign-ins since a time, for a name and/or from an address (not those in flight)."""
    query = select(func.count()).where(*_failures(user_key, address, since))
    with store.session() as session:
        return session.scalar(query.select_from(WebLoginFailure)) or 0


def clear_failures(store: Store, user_key: str, mark: int | None = None) -> None:
    """Forget a name's failures (after it signed in) and the signed-in attempt's `mark`;
    its address's failures still count, and so do its other attempts still in flight."""
    mine = WebLoginFailure.id == mark if mark is not None else false()
    with store.session() as session:
        session.execute(
            delete(WebLoginFailure).where(
                WebLoginFailure.user_key == _key(user_key),
                or_(WebLoginFailure.in_flight.is_(False), mine),
            )
        )


def login_locked_for(
    store: Store,
    user_key: str,
    address: str,
    now: datetime,
    limit: LoginLimit = DEFAULT_LIMIT,
    *,
    besides: int | None = None,
) -> timedelta | None:
    """How much longer sign-in is refused for this name from this address (None: allowed);
    `besides`: not counting the attempt with this id."""
    since = now - limit.window
    by_name = select(WebLoginFailure.at, WebLoginFailure.in_flight).where(
        WebLoginFailure.user_key == _key(user_key), WebLoginFailure.at >= since
    )
    by_address = select(WebLoginFailure.at).where(*_failures(None, address, since))
    if besides is not None:
        by_name = by_name.where(WebLoginFailure.id != besides)
        by_address = by_address.where(WebLoginFailure.id != besides)
    with store.session() as session:
        name_rows = session.execute(by_name).all()
        address_failures = list(session.scalars(by_address))
    failures = [at for at, in_flight in name_rows if not in_flight]
    in_flight = [at for at, in_flight in name_rows if in_flight]
    return locked_for(failures, address_failures, now, limit, user_in_flight=in_flight)


def create_signup_token(
    store: Store, lifetime: timedelta = timedelta(hours=24), *, now: datetime | None = None
) -> str:
    """A one-time token for the sign-up link that creates the first administrator."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    with store.session() as session:
        _refuse_users(session)
        session.add(
            WebSignupToken(token_hash=_digest(token), created_at=now, expires_at=now + lifetime)
        )
    return token


def use_signup_token(
    store: Store, token: str, name: str, password: str, *, now: datetime | None = None
) -> int:
    """Create the first administrator with a sign-up token; the new user's id."""
    now = now or datetime.now(UTC)
    name = check_name(name)
    with store.session() as session:  # a bad link costs no hash
        _usable_token(session, token, now)
    hashed = hash_password(password)
    with store.session() as session:
        # Checked again in the transaction that spends it: of two uses at once, one wins.
        _usable_token(session, token, now).used_at = now
        return insert_user(session, name, hashed, admin=True, now=now)


def _usable_token(session: Session, token: str, now: datetime) -> WebSignupToken:
    _refuse_users(session)
    row = session.get(WebSignupToken, _digest(token))
    if row is None:
        raise UserError("this sign-up link is not one listbridge made")
    if row.used_at is not None:
        raise UserError("this sign-up link was used already")
    if row.expires_at <= now:
        raise UserError("this sign-up link has expired: `listbridge serve` prints a new one")
    return row


def _refuse_users(session: Session) -> None:
    if count_users_in(session):
        raise UserError("users exist already: an administrator signs in and adds users")


def _failures(
    user_key: str | None, address: str | None, since: datetime
) -> list[ColumnElement[bool]]:
    """The conditions that pick a name's and/or an address's failures since a time (not
    the attempts still in flight)."""
    conditions = [WebLoginFailure.at >= since, WebLoginFailure.in_flight.is_(False)]
    if user_key is not None:
        conditions.append(WebLoginFailure.user_key == _key(user_key))
    if address is not None:
        conditions.append(WebLoginFailure.address == _address(address))
    return conditions


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(user_key: str) -> str:
    return name_key(user_key)[:255]


def _address(address: str) -> str:
    return address[:MAX_ADDRESS]
