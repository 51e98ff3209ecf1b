"""A connection and what belongs to it alone: its settings, its Constant Contact
account (tokens, identity, health) and the API calls it made today."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class Connection(Base):
    """A CRM + a Constant Contact account + their settings."""

    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Setting(Base):
    __tablename__ = "settings"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CcAccount(Base):
    """A connection's Constant Contact account: how to reach it, the (encrypted) tokens,
    who it is, and whether the authorisation still works. Secrets are Fernet tokens."""

    __tablename__ = "cc_accounts"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(200), nullable=False)
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    api_base: Mapped[str] = mapped_column(String(300), nullable=False)
    auth_base: Mapped[str] = mapped_column(String(300), nullable=False)
    redirect_uri: Mapped[str] = mapped_column(String(300), nullable=False)
    tokens_enc: Mapped[str | None] = mapped_column(Text)
    token_obtained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    account_id: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    organization_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    owner_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    owner_email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    health: Mapped[str] = mapped_column(String(30), nullable=False, default="ok")
    health_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    health_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the "needs reconnect" e-mail of the current episode went out (None: not yet).
    health_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # `connect --reuse`: the connection whose row holds the authorisation (app, client
    # secret, tokens) this one uses, so that a refresh by either is seen by both; NULL:
    # this row holds its own. Never a chain: it names a row whose own is NULL.
    tokens_of: Mapped[int | None] = mapped_column(Integer)


class ApiBudget(Base):
    """API calls a connection made on one UTC day (the allowance is per day)."""

    __tablename__ = "api_budget"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    daily_limit: Mapped[int] = mapped_column(Integer, nullable=False)
