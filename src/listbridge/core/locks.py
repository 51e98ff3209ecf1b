"""The arithmetic of a connection's lock lease.

A holder owns the lock until `heartbeat_at + ttl`; it renews the lease by
beating several times per ttl, so one slow beat does not lose the lock. A
holder that died stops beating, and its lease lapses: the lock is never held
forever. The clock is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: beats per ttl: a lease survives BEATS_PER_TTL - 1 missed beats
BEATS_PER_TTL = 3
DEFAULT_TTL = timedelta(seconds=60)


def expiry(heartbeat_at: datetime, ttl: timedelta) -> datetime:
    if ttl <= timedelta(0):
        raise ValueError(f"a lock's ttl must be positive, got {ttl}")
    return heartbeat_at + ttl


def heartbeat_interval(ttl: timedelta) -> timedelta:
    """How often a holder renews a lease of `ttl`."""
    return ttl / BEATS_PER_TTL


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, in words an administrator can act on."""

    job: str
    pid: int
    host: str

    def __str__(self) -> str:
        return f"{self.job} (pid {self.pid} on {self.host})"


@dataclass(frozen=True)
class Lease:
    """A lock as stored: who holds it, since when, until when unless renewed."""

    owner: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime
    run_id: int | None = None

    def is_stale(self, now: datetime) -> bool:
        """True once the holder missed every beat of a whole ttl."""
        return self.expires_at < now

    def renewed(self, now: datetime, ttl: timedelta) -> Lease:
        return Lease(self.owner, self.holder, self.acquired_at, now, expiry(now, ttl), self.run_id)

    def describe(self) -> str:
        """The holder, with its run when it has one: what LockHeldError names."""
        return f"{self.holder}, run {self.run_id}" if self.run_id is not None else self.holder


def new_lease(owner: str, holder: str, now: datetime, ttl: timedelta) -> Lease:
    return Lease(owner, holder, now, now, expiry(now, ttl))
