"""Sign-in attempts, rate-limited per user name and per address: core/login_limit.py
decides, the attempts are kept in the store so that every server process counts them.

An attempt is marked in flight before its password is checked, so that guesses sent at
once cannot all slip through the check: the mark counts against the name (not against
the address: colleagues behind one router sign in at once). A wrong password turns the
mark into a failure, against the name and the address; a right one clears the name's
failures and the mark. A request that dies mid-check leaves its mark, which stops
counting after a while (LoginLimit.in_flight_for).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from listbridge.store.db import Store
from listbridge.store.web_sessions import attempt_failed, clear_failures, count_attempt

User = TypeVar("User")


@dataclass(frozen=True)
class Refused:
    """Too many attempts: sign-in is allowed again in `minutes` (whole, at least 1)."""

    minutes: int

    @property
    def message(self) -> str:
        return f"too many attempts, try again in {self.minutes} minute{'s' * (self.minutes != 1)}"


def sign_in(
    store: Store, name: str, address: str, now: datetime, check: Callable[[], User | None]
) -> User | Refused | None:
    """`check()` the password unless the name or address is locked out: its user, None
    for a wrong password, or Refused (the attempt is then not counted, nor checked)."""
    counted = count_attempt(store, name, address, now)  # the store normalises the name's case
    if isinstance(counted, timedelta):
        return Refused(max(1, math.ceil(counted.total_seconds() / 60)))
    user = check()  # should it raise, the mark stays in flight, and soon stops counting
    if user is None:
        attempt_failed(store, counted, name, address, now)
    else:
        clear_failures(store, name, mark=counted)
    return user
