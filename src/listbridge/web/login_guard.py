"""Sign-in attempts, rate-limited per user name and per address: core/login_limit.py
decides, the attempts are kept in the store so that every server process counts them.

An attempt counts as a failure from before its password is checked (``attempt``) until it
turns out right (``succeeded``): guesses sent at once cannot all slip through the check.
"""

from __future__ import annotations

import math
from datetime import datetime

from listbridge.store.db import Store
from listbridge.store.web_sessions import clear_failures, count_attempt


def attempt(store: Store, name: str, address: str, now: datetime) -> int | None:
    """Count an attempt; whole minutes until sign-in is allowed again for this name or
    address (the attempt is then not counted), None: check the password now."""
    wait = count_attempt(store, name, address, now)  # the store normalises the name's case
    if wait is None:
        return None
    return max(1, math.ceil(wait.total_seconds() / 60))


def succeeded(store: Store, name: str) -> None:
    clear_failures(store, name)
