"""How long sign-in stays refused after failed attempts: arithmetic on the failures' times.

Two counts, each over a sliding window: the failures for one user name (someone guessing
one person's password from many places) and the failures from one address (someone trying
many names from one place). Either count reaching its limit refuses sign-in until enough of
those failures have aged out of the window; a success clears the user's count only, so a
guesser cannot reset their address's count by signing in to an account of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginLimit:
    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.per_user < 1 or self.per_address < 1 or self.window <= timedelta(0):
            raise ValueError("a login limit allows at least one failure over a positive window")


DEFAULT_LIMIT = LoginLimit()


def locked_for(
    user_failures: Iterable[datetime],
    address_failures: Iterable[datetime],
    now: datetime,
    limit: LoginLimit = DEFAULT_LIMIT,
) -> timedelta | None:
    """How much longer sign-in is refused (None: it is allowed now).

    With failures at 10:00, 10:01 … 10:04 for one user and the default limit, sign-in is
    refused at 10:05 for 10 minutes, until the 10:00 failure is older than 15 minutes.
    Failures in the future (a clock set back) count as made now."""
    waits = [
        _wait(user_failures, limit.per_user, limit.window, now),
        _wait(address_failures, limit.per_address, limit.window, now),
    ]
    return max((wait for wait in waits if wait is not None), default=None)


def _wait(
    failures: Iterable[datetime], most: int, window: timedelta, now: datetime
) -> timedelta | None:
    """Until the count of failures in the window drops below `most`: that is when the
    `most`-th newest failure leaves the window."""
    recent = sorted((min(at, now) for at in failures if at > now - window), reverse=True)
    if len(recent) < most:
        return None
    return recent[most - 1] + window - now
