"""The arithmetic of a connection's lock lease.

A holder owns the lock until `heartbeat_at + ttl`; it renews the lease by
beating several times per ttl, so one slow beat does not lose the lock. A
holder that died stops beating, and its lease lapses: the lock is never held
forever. A holder that died on the machine of the one asking (`kill -9`) need
not be waited for: that machine can see the process is gone. The clock is
always passed in, and so is the look at the process table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
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
class ProcessRef:
    """The process holding a lock, precisely enough for its own machine to tell it is gone.

    `machine` is the host name plus, where the OS tells them, the boot and the PID
    namespace: two containers may share a host name, never a PID namespace, and a pid
    means nothing in another one. `started` is the process's start as the OS counts it,
    so that a later process given the same pid is not taken for the holder.
    """

    machine: str
    pid: int
    started: str | None = None


def holder_gone(
    holder: ProcessRef | None, machine: str, running: Callable[[ProcessRef], bool]
) -> bool:
    """True when the holder is a process of `machine` that no longer runs: its lock can be
    recovered at once. A holder elsewhere (or unknown) cannot be looked at: its lease decides.
    """
    return holder is not None and holder.machine == machine and not running(holder)


@dataclass(frozen=True)
class Lease:
    """A lock as stored: who holds it, since when, until when unless renewed."""

    owner: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime
    run_id: int | None = None
    process: ProcessRef | None = None

    def is_stale(self, now: datetime) -> bool:
        """True once the holder missed every beat of a whole ttl."""
        return self.expires_at < now

    def renewed(self, now: datetime, ttl: timedelta) -> Lease:
        return replace(self, heartbeat_at=now, expires_at=expiry(now, ttl))

    def describe(self) -> str:
        """The holder, with its run when it has one: what LockHeldError names."""
        return f"{self.holder}, run {self.run_id}" if self.run_id is not None else self.holder


def new_lease(
    owner: str, holder: str, now: datetime, ttl: timedelta, process: ProcessRef | None = None
) -> Lease:
    return Lease(owner, holder, now, now, expiry(now, ttl), process=process)
