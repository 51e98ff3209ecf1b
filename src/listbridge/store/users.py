"""The web admin's users and groups (issue 17), per install: one sign-in covers every
connection in the database.

An administrator may do everything; anyone else may do what their groups were granted
(core/permissions.py). Passwords are kept as argon2id hashes only. A hash takes a good
part of a second, so it is made or checked outside the store's transaction (on SQLite
that transaction holds the write lock, and every other request would wait on it).
The groups' own functions live in groups.py and are re-exported here: one module to
import for the web admin's people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from listbridge.core.errors import UserError
from listbridge.core.permissions import Grants, Permission, grants_of
from listbridge.store.db import Store
from listbridge.store.groups import GroupInfo as GroupInfo
from listbridge.store.groups import add_group as add_group
from listbridge.store.groups import grant as grant
from listbridge.store.groups import group_named
from listbridge.store.groups import list_groups as list_groups
from listbridge.store.groups import remove_group as remove_group
from listbridge.store.groups import revoke as revoke
from listbridge.store.models import (
    WebGroup,
    WebGroupMember,
    WebGroupPermission,
    WebSession,
    WebUser,
)
from listbridge.store.passwords import (
    check_name,
    hash_password,
    name_key,
    needs_rehash,
    password_matches,
)

_KNOWN = {permission.value for permission in Permission}


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    admin: bool
    groups: tuple[str, ...]
    grants: Grants
    created_at: datetime
    last_login_at: datetime | None


def add_user(
    store: Store, name: str, password: str, *, admin: bool = False, groups: Iterable[str] = ()
) -> int:
    """A new user's id; a UserError for a taken or bad name, a short password, an unknown group."""
    name = check_name(name)
    with store.session() as session:  # the cheap checks first, so a mistake costs no hash
        _refuse_taken(session, name)
        for group in groups:
            group_named(session, group)
    hashed = hash_password(password)
    return create_user(store, name, hashed, admin=admin, groups=groups)


def create_user(
    store: Store, name: str, password_hash: str, *, admin: bool, groups: Iterable[str] = ()
) -> int:
    """Store a user whose name was checked and whose password was hashed."""
    try:
        with store.session() as session:
            group_ids = {group_named(session, group).id for group in groups}
            return insert_user(session, name, password_hash, admin=admin, group_ids=group_ids)
    except IntegrityError:  # the same name added by someone else since the check
        raise UserError(f"a user named {name!r} already exists") from None


def insert_user(
    session: Session,
    name: str,
    password_hash: str,
    *,
    admin: bool,
    group_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> int:
    """Add a user in an open session (a UserError when the name is taken)."""
    _refuse_taken(session, name)
    now = now or datetime.now(UTC)
    user = WebUser(
        name=name,
        name_key=name_key(name),
        password_hash=password_hash,
        is_admin=admin,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    session.add_all(WebGroupMember(user_id=user.id, group_id=group) for group in group_ids)
    return user.id


def verify_login(
    store: Store, name: str, password: str, *, now: datetime | None = None
) -> UserInfo | None:
    """The user whose name and password these are, or None; sign-in time recorded.

    An unknown name is checked against a dummy hash, so the time taken does not tell
    which names exist."""
    with store.session() as session:
        found = session.execute(
            select(WebUser.id, WebUser.password_hash).where(WebUser.name_key == name_key(name))
        ).first()
    stored = found.password_hash if found is not None else None
    # Checked even for an unknown name (password_matches spends the time on a dummy hash).
    if not password_matches(stored, password) or found is None or stored is None:
        return None
    rehashed = hash_password(password) if needs_rehash(stored) else stored
    with store.session() as session:
        # Only if the password is still the one checked: a change meanwhile wins.
        changed = session.execute(
            update(WebUser)
            .where(WebUser.id == found.id, WebUser.password_hash == stored)
            .values(last_login_at=now or datetime.now(UTC), password_hash=rehashed)
        )
        return user_info(session, found.id) if rows_changed(changed) else None


def set_password(store: Store, name: str, password: str) -> int:
    """Change a user's password and end their sessions; how many sessions were ended."""
    hashed = hash_password(password)
    with store.session() as session:
        user = _user(session, name)
        user.password_hash = hashed
        user.password_changed_at = datetime.now(UTC)
        ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        return rows_changed(ended)


def set_admin(store: Store, name: str, admin: bool) -> None:
    """Make a user an administrator, or no longer one (never the last one)."""
    with store.session() as session:
        user = _user(session, name)
        if not admin:
            _refuse_last_admin(session, user, "no longer an administrator")
        user.is_admin = admin


def remove_user(store: Store, name: str) -> None:
    """Remove a user, their memberships and sessions (never the last administrator)."""
    with store.session() as session:
        user = _user(session, name)
        _refuse_last_admin(session, user, "removed")
        session.execute(delete(WebUser).where(WebUser.id == user.id))


def list_users(store: Store) -> list[UserInfo]:
    with store.session() as session:
        ids = session.scalars(select(WebUser.id).order_by(WebUser.name_key)).all()
        return [info for user_id in ids if (info := user_info(session, user_id))]


def user_by_id(store: Store, user_id: int) -> UserInfo | None:
    with store.session() as session:
        return user_info(session, user_id)


def user_by_name(store: Store, name: str) -> UserInfo | None:
    """A user by name, in any case (None: no such user)."""
    with store.session() as session:
        found = session.scalar(select(WebUser.id).where(WebUser.name_key == name_key(name)))
        return None if found is None else user_info(session, found)


def count_users(store: Store) -> int:
    with store.session() as session:
        return count_users_in(session)


def count_users_in(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WebUser)) or 0


def user_info(session: Session, user_id: int) -> UserInfo | None:
    """A user with their groups and what those grant, read in an open session."""
    user = session.get(WebUser, user_id)
    if user is None:
        return None
    joined = select(WebGroup).join(WebGroupMember).where(WebGroupMember.user_id == user_id)
    groups = session.scalars(joined.order_by(WebGroup.name)).all()
    granted = session.scalars(
        select(WebGroupPermission.permission).where(
            WebGroupPermission.group_id.in_([group.id for group in groups])
        )
    ).all()
    return UserInfo(
        id=user.id,
        name=user.name,
        admin=user.is_admin,
        groups=tuple(group.name for group in groups),
        grants=grants_of(user.is_admin, [granted]),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def add_to_group(store: Store, user: str, group: str) -> bool:
    """Put a user in a group; False when they were in it already."""
    with store.session() as session:
        key = (_user(session, user).id, group_named(session, group).id)
        if session.get(WebGroupMember, key) is not None:
            return False
        session.add(WebGroupMember(user_id=key[0], group_id=key[1]))
        return True


def remove_from_group(store: Store, user: str, group: str) -> bool:
    """Take a user out of a group; False when they were not in it."""
    with store.session() as session:
        row = session.get(WebGroupMember, (_user(session, user).id, group_named(session, group).id))
        if row is not None:
            session.delete(row)
        return row is not None


def _refuse_taken(session: Session, name: str) -> None:
    if session.scalar(select(WebUser.id).where(WebUser.name_key == name_key(name))) is not None:
        raise UserError(f"a user named {name!r} already exists")


def _user(session: Session, name: str) -> WebUser:
    user = session.scalar(select(WebUser).where(WebUser.name_key == name_key(name)))
    if user is None:
        raise UserError(f"no user named {name!r} (`listbridge users ls` lists them)")
    return user


def _refuse_last_admin(session: Session, user: WebUser, what: str) -> None:
    if not user.is_admin:
        return
    admins = session.scalar(
        select(func.count()).select_from(WebUser).where(WebUser.is_admin.is_(True))
    )
    if (admins or 0) <= 1:
        raise UserError(
            f"{user.name!r} is the last administrator and cannot be {what}: "
            "make another administrator first (`listbridge users add NAME --admin`)"
        )


def rows_changed(result: object) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return cast(CursorResult[Any], result).rowcount
