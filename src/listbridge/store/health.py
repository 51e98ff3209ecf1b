"""A connection's health at a glance, for ``listbridge status`` and the web page."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from listbridge.core.tokens import Health, refresh_idle_expiry_near
from listbridge.store.budget import budget_today
from listbridge.store.db import Store
from listbridge.store.secretbox import SecretBox
from listbridge.store.tokens import load_connection


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

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def connection_status(
    store: Store, connection_id: int, box: SecretBox, now: datetime
) -> ConnectionStatus:
    record = load_connection(store, connection_id, box)
    used, left = budget_today(store, connection_id, now)
    if record is None:
        return ConnectionStatus(
            Health.NOT_CONNECTED.value,
            "run `listbridge connect`",
            "",
            "",
            "",
            "",
            None,
            None,
            None,
            used,
            left,
        )
    health, reason = record.health, record.health_reason
    obtained = record.token_obtained_at
    # The refresh token rotates with every access token, so its idle age is the token's age.
    if health is Health.OK and obtained and refresh_idle_expiry_near(obtained, now):
        reason = "the refresh token has not been used for months and will soon expire"
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
    )
