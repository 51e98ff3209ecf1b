"""A connection's health: whether its schedules are paused, whether the administrator
has been told, and everything ``listbridge status`` shows.

A "needs reconnect" *episode* starts when the connection is marked (store/tokens.py,
``mark_needs_reconnect``) and ends with a successful reconnect (``save_connection``).
Its e-mail goes out once per episode: ``claim_notice`` hands the sending to exactly one
caller, however many commands fail at the same time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update

from listbridge.core.tokens import Health, IdlePolicy
from listbridge.store.budget import budget_today
from listbridge.store.db import Store
from listbridge.store.models import CcAccount
from listbridge.store.secretbox import SecretBox
from listbridge.store.tokens import ConnectionRecord, load_connection


@dataclass(frozen=True)
class SchedulePause:
    """Why a connection's schedules do not run, and since when."""

    reason: str
    since: datetime | None


def schedule_pause(store: Store, connection_id: int) -> SchedulePause | None:
    """The pause the scheduler honours; None when the connection's schedules may run.

    A connection without a Constant Contact account is not paused: CRM-only work may
    still run, and jobs that need Constant Contact refuse on their own (exit 4).
    """
    with store.session() as session:
        row = session.get(CcAccount, connection_id)
        if row is None or row.health != Health.NEEDS_RECONNECT.value:
            return None
        return SchedulePause(row.health_reason, row.health_at)


def schedules_paused(store: Store, connection_id: int) -> bool:
    return schedule_pause(store, connection_id) is not None


def claim_notice(store: Store, connection_id: int, now: datetime) -> bool:
    """True for exactly one caller per episode: that caller sends the e-mail."""
    with store.session() as session:
        result = session.execute(
            update(CcAccount)
            .where(
                CcAccount.connection_id == connection_id,
                CcAccount.health == Health.NEEDS_RECONNECT.value,
                CcAccount.health_notified_at.is_(None),
            )
            .values(health_notified_at=now)
        )
        return bool(getattr(result, "rowcount", 0))


def release_notice(store: Store, connection_id: int) -> None:
    """The e-mail could not be sent: let the next failing command try again."""
    with store.session() as session:
        session.execute(
            update(CcAccount)
            .where(CcAccount.connection_id == connection_id)
            .values(health_notified_at=None)
        )


@dataclass(frozen=True)
class ConnectionStatus:
    health: str
    reason: str
    organization_name: str
    owner_name: str
    owner_email: str
    api_base: str
    connected_at: str | None
    token_age_seconds: int | None
    token_expires_at: str | None
    budget_used_today: int
    budget_left_today: int
    health_since: str | None = None
    refresh_token_idle_expires_at: str | None = None
    schedules_paused: bool = False
    schedules_paused_reason: str = ""
    reconnect_notice_sent_at: str | None = None
    reconnect_command: str = ""  # filled in by sync/health.py, which knows the defaults

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def connection_status(
    store: Store,
    connection_id: int,
    box: SecretBox,
    now: datetime,
    policy: IdlePolicy = IdlePolicy(),
) -> ConnectionStatus:
    record = load_connection(store, connection_id, box)
    used, left = budget_today(store, connection_id, now)
    if record is None:
        return ConnectionStatus(
            Health.NOT_CONNECTED.value, "run `listbridge connect`",
            "", "", "", "", None, None, None, used, left,
        )  # fmt: skip
    return _connected_status(record, now, policy, used, left)


def _connected_status(
    record: ConnectionRecord, now: datetime, policy: IdlePolicy, used: int, left: int
) -> ConnectionStatus:
    health, reason = record.health, record.health_reason
    obtained = record.token_obtained_at
    # The refresh token rotates with every access token, so its idle age is the token's age.
    idle_expiry = policy.expires_at(obtained) if obtained else None
    if health is Health.OK and obtained and policy.near(obtained, now):
        reason = "the refresh token has not been used for months and will soon expire"
    paused = health is Health.NEEDS_RECONNECT
    return ConnectionStatus(
        health.value,
        reason,
        record.identity.organization_name,
        record.identity.owner_name,
        record.identity.owner_email,
        record.app.api_base,
        record.connected_at.isoformat(),
        int((now - obtained).total_seconds()) if obtained else None,
        record.token_expires_at.isoformat() if record.token_expires_at else None,
        used,
        left,
        _iso(record.health_at),
        _iso(idle_expiry),
        paused,
        record.health_reason if paused else "",
        _iso(record.health_notified_at),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
