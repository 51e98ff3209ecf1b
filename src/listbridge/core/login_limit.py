"""How long sign-in stays refused after failed attempts: arithmetic on the attempts' times.

Two counts, each over a sliding window: the attempts against one user name (someone
guessing one person's password from many places) and the failures from one address
(someone trying many names from one place). Either count reaching its limit refuses
sign-in until enough of them have aged out; a success clears the user's count only, so a
guesser cannot reset their address's count by signing in to an account of their own.

An attempt whose password is still being checked (in flight) counts against its name as
a failure would, so that guesses sent at once cannot all slip past the check before any
of them has failed; it does not count against its address, where fifty colleagues behind
one office router sign in at nine o'clock. It stops counting when its check ends (then a
failure, or cleared by the success) or after `in_flight_for`, if its request died.
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
    #: a check takes well under a second (argon2, 0.2 s of CPU), a few on a busy server;
    #: after this long the request is taken to have died (its process killed meanwhile)
    in_flight_for: timedelta = timedelta(minutes=2)

    def __post_init__(self) -> None:
        if self.per_user < 1 or self.per_address < 1 or self.window <= timedelta(0):
            raise ValueError("a login limit allows at least one failure over a positive window")
        if self.in_flight_for <= timedelta(0):
            raise ValueError("a login limit counts an attempt in flight for a positive time")


DEFAULT_LIMIT = LoginLimit()


def locked_for(
    user_failures: Iterable[datetime],
    address_failures: Iterable[datetime],
    now: datetime,
    limit: LoginLimit = DEFAULT_LIMIT,
    user_in_flight: Iterable[datetime] = (),
) -> timedelta | None:
    """How much longer sign-in is refused (None: it is allowed now).

    With failures at 10:00, 10:01 … 10:04 for one user and the default limit, sign-in is
    refused at 10:05 for 10 minutes, until the 10:00 failure is older than 15 minutes.
    `user_in_flight`: when the user's attempts still being checked began; each counts
    against the user until `in_flight_for` after it (or the window, if shorter).
    Times in the future (a clock set back) count as now."""
    in_flight_for = min(limit.in_flight_for, limit.window)
    by_user = [
        *_ends(user_failures, limit.window, now),
        *_ends(user_in_flight, in_flight_for, now),
    ]
    waits = [
        _wait(by_user, limit.per_user, now),
        _wait(_ends(address_failures, limit.window, now), limit.per_address, now),
    ]
    return max((wait for wait in waits if wait is not None), default=None)


def _ends(times: Iterable[datetime], lasting: timedelta, now: datetime) -> list[datetime]:
    """When each attempt stops counting."""
    return [min(at, now) + lasting for at in times]


def _wait(ends: Iterable[datetime], most: int, now: datetime) -> timedelta | None:
    """Until fewer than `most` attempts count: when the `most`-th latest to stop does."""
    counting = sorted((end for end in ends if end > now), reverse=True)
    if len(counting) < most:
        return None
    return counting[most - 1] - now
