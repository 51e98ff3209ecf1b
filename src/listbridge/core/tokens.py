"""OAuth tokens as values, and when to refresh them. Secrets never show in a repr."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

REFRESH_MARGIN = timedelta(minutes=5)
# Facts §14: an unused refresh token expires after 180 days; warn two weeks ahead.
REFRESH_IDLE_EXPIRY = timedelta(days=180)
REFRESH_IDLE_WARNING = timedelta(days=14)
RECONNECT_NEEDED = "reconnect needed"


class Health(StrEnum):
    OK = "ok"
    NOT_CONNECTED = "not connected"
    NEEDS_RECONNECT = "needs reconnect"


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint answered, with the instants that matter."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    obtained_at: datetime
    expires_at: datetime
    scope: str = ""

    def margin(self) -> timedelta:
        """Refresh this long before expiry: 5 minutes, or a tenth of a short lifetime."""
        return min(REFRESH_MARGIN, (self.expires_at - self.obtained_at) / 10)

    def needs_refresh(self, now: datetime) -> bool:
        return now >= self.expires_at - self.margin()

    def age(self, now: datetime) -> timedelta:
        return now - self.obtained_at


def token_set(answer: TokenAnswer, now: datetime) -> TokenSet:
    return TokenSet(
        answer.access_token,
        answer.refresh_token,
        now,
        now + timedelta(seconds=answer.expires_in),
        answer.scope,
    )


@dataclass(frozen=True)
class TokenAnswer:
    """The token endpoint's JSON, already checked at the edge."""

    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)
    scope: str = ""


@dataclass(frozen=True)
class IdlePolicy:
    """When an unused refresh token dies, and how long before that we ask for a reconnect.

    The token endpoint never says when a refresh token expires, so the lifetime is the
    service's documented one; tests shorten both to match a short-lived emulator.
    """

    lifetime: timedelta = REFRESH_IDLE_EXPIRY
    warning: timedelta = REFRESH_IDLE_WARNING

    def expires_at(self, last_refresh: datetime) -> datetime:
        return last_refresh + self.lifetime

    def near(self, last_refresh: datetime, now: datetime) -> bool:
        return now >= self.expires_at(last_refresh) - self.warning


def refresh_idle_expiry_near(
    last_refresh: datetime, now: datetime, policy: IdlePolicy = IdlePolicy()
) -> bool:
    """True when the refresh token will soon expire for lack of use."""
    return policy.near(last_refresh, now)


def idle_expiry_message(expires_at: datetime) -> str:
    return reconnect_message(
        "the refresh token has not been used for a long time and expires for lack of use "
        f"on {expires_at.isoformat(timespec='seconds')}"
    )


def reconnect_message(reason: str) -> str:
    return f"{RECONNECT_NEEDED}: {reason}; run `listbridge connect` again"


@dataclass(frozen=True)
class AccountIdentity:
    """Who a Constant Contact connection belongs to (from ``/account/summary``)."""

    account_id: str = ""
    organization_name: str = ""
    owner_name: str = ""
    owner_email: str = ""


@dataclass(frozen=True)
class OAuthApp:
    """How listbridge reaches Constant Contact; the secret never shows in a repr."""

    client_id: str
    api_base: str
    auth_base: str
    redirect_uri: str
    client_secret: str | None = field(default=None, repr=False)
