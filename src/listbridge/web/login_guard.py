"""Sign-in attempts, rate-limited per user name and per address: core/login_limit.py
decides, the failures are kept in the store so that every server process counts them."""

from __future__ import annotations

import math
from datetime import datetime

from listbridge.store.db import Store
from listbridge.store.web_sessions import clear_failures, login_locked_for, record_failure


def refused_minutes(store: Store, name: str, address: str, now: datetime) -> int | None:
    """Whole minutes until sign-in is allowed again for this name or address; None: now."""
    wait = login_locked_for(store, name, address, now)
    if wait is None:
        return None
    return max(1, math.ceil(wait.total_seconds() / 60))


def failed(store: Store, name: str, address: str, now: datetime) -> None:
    record_failure(store, name, address, now)  # the store normalises the name's case


def succeeded(store: Store, name: str) -> None:
    clear_failures(store, name)
