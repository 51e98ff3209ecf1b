"""The tables of the state store. Every table is scoped by connection.

The schema itself is created by Alembic migrations (store/migrations); these
models must match them, which tests/integration/test_migrations.py checks.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from listbridge.store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


def _connection_fk() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("connections.id", ondelete="CASCADE"), nullable=False)


class Connection(Base):
    """A CRM + a Constant Contact account + their settings."""

    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Setting(Base):
    __tablename__ = "settings"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Run(Base):
    """One job execution: what ran, who started it, how it ended, its counts."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = _connection_fk()
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    __table_args__ = (Index("ix_runs_connection_started", "connection_id", "started_at"),)


class RunError(Base):
    """A record a run did not sync, and why, in words a human understands."""

    __tablename__ = "run_errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    account_id: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    field: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    row: Mapped[int | None] = mapped_column(Integer)


class Lock(Base):
    """The one-sync-at-a-time lock of a connection, kept alive by heartbeats."""

    __tablename__ = "locks"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    holder: Mapped[str] = mapped_column(String(300), nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The holding process (core.locks.ProcessRef), so its own machine can see it is gone.
    process_machine: Mapped[str | None] = mapped_column(String(300))
    process_pid: Mapped[int | None] = mapped_column(Integer)
    process_started: Mapped[str | None] = mapped_column(String(40))


class JournalEntry(Base):
    """One change a job made on either side: who changed what, and why."""

    __tablename__ = "journal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = _connection_fk()
    run_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("runs.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    side: Mapped[str] = mapped_column(String(10), nullable=False)
    record_id: Mapped[str] = mapped_column(String(100), nullable=False)
    field: Mapped[str] = mapped_column(String(200), nullable=False)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (
        Index("ix_journal_record", "connection_id", "side", "record_id"),
        Index("ix_journal_run", "run_id"),
    )


class CrmAccount(Base):
    """An account of the builtin CRM."""

    __tablename__ = "crm_accounts"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    middle_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    last_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    company_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    email2: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    email3: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    phone1: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone2: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone3: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    fax: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    address_line1: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    zip: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    country: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    individual_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    deceased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    email_opt_out: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    origin_category: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    origin_detail: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Set by `crm delete`: the row stays (journal, links, opt-outs) so `crm load` can restore it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_crm_accounts_updated", "connection_id", "updated_at"),
        Index("ix_crm_accounts_email", "connection_id", "email"),
    )


class CrmCustomField(Base):
    __tablename__ = "crm_custom_fields"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = _connection_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    choices: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("connection_id", "name", name="uq_crm_custom_fields_name"),)


class CrmCustomValue(Base):
    """A custom field's value on one account, kept in its canonical text form."""

    __tablename__ = "crm_custom_values"
    connection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    field_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("crm_custom_fields.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (
        # Values go with their account: removing an account removes its values.
        ForeignKeyConstraint(
            ["connection_id", "account_id"],
            ["crm_accounts.connection_id", "crm_accounts.id"],
            ondelete="CASCADE",
        ),
    )


class CcAccount(Base):
    """A connection's Constant Contact account: how to reach it, the (encrypted) tokens,
    who it is, and whether the authorisation still works. Secrets are Fernet tokens."""

    __tablename__ = "cc_accounts"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
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


class ApiBudget(Base):
    """API calls a connection made on one UTC day (the allowance is per day)."""

    __tablename__ = "api_budget"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    daily_limit: Mapped[int] = mapped_column(Integer, nullable=False)


class CcLink(Base):
    """A CRM account ↔ a Constant Contact contact, one-to-one within a connection.

    Carries what we last saw of the contact (its lists, consent, updated_at) so a
    later job can tell what changed; `fingerprint` is the push's (issue 6) digest.
    The builtin CRM's `crm_accounts.cc_contact_id` is written in the same
    transaction as the link, so export shows it without a join.
    """

    __tablename__ = "cc_links"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False)
    list_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    permission_to_send: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    opt_out_source: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    cc_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        UniqueConstraint("connection_id", "cc_contact_id", name="uq_cc_links_contact"),
    )


class ImportCursor(Base):
    """Where the next incremental import starts, per scope (`*` or a CC list id).

    Advanced only when an import finishes, to the moment that import started,
    so nothing changed during a run is skipped by the next one.
    """

    __tablename__ = "import_cursors"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    updated_after: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer)


class ImportPending(Base):
    """A contact an import did not bring in, kept (as last fetched) to be reconsidered."""

    __tablename__ = "import_pending"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    cc_contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer)


from listbridge.store import push_models as _push_models  # noqa: E402, F401  (on Base too)
from listbridge.store.list_models import CcListMirror as CcListMirror  # noqa: E402  (it was here)
