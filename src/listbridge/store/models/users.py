"""Who may sign in to the web admin, what their groups may do, and their signed-in sessions.

Unlike every other table, these are per install, not per connection: one sign-in covers
every connection in the database. No secret is kept in the clear: passwords as argon2
hashes, session and sign-up tokens as their SHA-256 (a leaked row opens nothing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base
from listbridge.store.types import UTCDateTime


def _user_fk(*, primary_key: bool = False) -> Mapped[int]:
    """A user's id: removing the user removes their memberships and sessions."""
    return mapped_column(
        Integer,
        ForeignKey("web_users.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        index=not primary_key,
    )


def _group_fk() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("web_groups.id", ondelete="CASCADE"), primary_key=True)


class WebUser(Base):
    __tablename__ = "web_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: the name lowercased: `Ann` and `ann` are one user, whatever the database's collation
    name_key: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebGroup(Base):
    __tablename__ = "web_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)


class WebGroupMember(Base):
    __tablename__ = "web_group_members"
    user_id: Mapped[int] = _user_fk(primary_key=True)
    group_id: Mapped[int] = _group_fk()


class WebGroupPermission(Base):
    """A permission granted to a group, by its name (core.permissions.Permission)."""

    __tablename__ = "web_group_permissions"
    group_id: Mapped[int] = _group_fk()
    permission: Mapped[str] = mapped_column(String(40), primary_key=True)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; the row's id is its SHA-256,
    so whoever reads the database cannot sign in as anyone."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = _user_fk()
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class WebLoginFailure(Base):
    """A failed sign-in, counted per user name and per address to slow down guessing; or
    (`in_flight`) an attempt whose password is still being checked, counted against its
    name only, for a short while at most (core/login_limit.py)."""

    __tablename__ = "web_login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(255), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    in_flight: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    __table_args__ = (
        Index("ix_web_login_failures_user", "user_key", "at"),
        Index("ix_web_login_failures_address", "address", "at"),
    )


class WebSignupToken(Base):
    """A one-time link that creates the first administrator (`serve` on an empty install)."""

    __tablename__ = "web_signup_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebPreference(Base):
    """What a user chose on a page and expects to find again (the dashboard's campaign
    widget: columns, rows, sort), as one JSON value per key."""

    __tablename__ = "web_preferences"
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("web_users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
