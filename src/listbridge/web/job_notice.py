"""Is a sync running on the connection, and who started what, when?

Two places know. The board (jobs.py) knows the jobs this web process started, dry runs
included, which take no lock. The connection's lock knows every other holder: a CLI
command, the scheduler, another web process, a worker; its run names who started it.
A lease that lapsed, or whose process on this machine is gone, holds nothing: the next
job takes it over, so the screen must not call the connection busy for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from listbridge.core.errors import UserError
from listbridge.core.locks import Lease
from listbridge.store.db import Store
from listbridge.store.locks import format_moment, read_lease
from listbridge.store.processes import holder_is_gone
from listbridge.store.runs import get_run

#: the origin of a job started in the browser is `web:USER`
WEB = "web"
#: the run kinds whose names do not read as a sentence on their own
KIND_TITLES = {"full": "full sync", "lists": "list sync", "unsubscribes": "unsubscribe sync"}


@dataclass(frozen=True)
class Notice:
    """Who started what, and when, in words the screen shows."""

    who: str
    what: str
    since: datetime
    run_id: int | None = None

    @property
    def who_and_what(self) -> str:
        """`the import alice started (run 12)`: LockHeldError's holder."""
        run = f" (run {self.run_id})" if self.run_id is not None else ""
        return f"the {self.what} {self.who} started{run}"

    @property
    def sentence(self) -> str:
        run = f" (run {self.run_id})" if self.run_id is not None else ""
        return f"{self.who} started the {self.what}{run} at {format_moment(self.since)}."


class StartedHere(Protocol):
    """A job this web process started (jobs.JobStatus), as the notice needs it."""

    @property
    def running(self) -> bool: ...

    def notice(self) -> Notice: ...


class Board(Protocol):
    """The jobs this web process started, by connection (jobs.JobBoard)."""

    def get(self, connection_id: int) -> StartedHere | None: ...


def busy_notice(store: Store, connection_id: int, board: Board) -> Notice | None:
    """Who holds the connection now (None: a sync may start)."""
    status = board.get(connection_id)
    if status is not None and status.running:
        return status.notice()
    lease = read_lease(store, connection_id)
    if lease is None or _dead(lease):
        return None
    return _lease_notice(store, connection_id, lease)


def _dead(lease: Lease) -> bool:
    # As a job judges it when it tries to take the lock (store/locks.py acquire).
    return lease.is_stale(datetime.now(UTC)) or holder_is_gone(lease.process)


def _lease_notice(store: Store, connection_id: int, lease: Lease) -> Notice:
    if lease.run_id is not None:
        try:
            run = get_run(store, connection_id, lease.run_id)
        except UserError:
            pass  # the run was purged under a live lock: the lock's own words remain
        else:
            what = KIND_TITLES.get(run.kind, run.kind)
            return Notice(str(starter(run.started_by)), what, run.started_at, run.run_id)
    return Notice("another process", f"job {lease.holder}", lease.acquired_at)


@dataclass(frozen=True)
class Starter:
    """Who started a run: its trigger (web, cli, scheduler, demo, …) and the person or
    account behind it."""

    trigger: str
    who: str

    def __str__(self) -> str:
        # a web user is known by name; a process by the account and host it ran as
        if self.trigger == WEB or not self.who:
            return self.who or self.trigger
        return f"{self.trigger} {self.who}"


def starter(started_by: str) -> Starter:
    """`web:alice root@crm-01 pid 4711` → web, alice; `cli root@crm-01 pid 9` → cli,
    root@crm-01. store/runs.py `started_by` appends `USER@HOST pid N` to the origin, so
    the origin is all but the last three words (a web user's name may hold a space)."""
    words = started_by.rsplit(" ", 3)
    if len(words) != 4 or words[2] != "pid":
        return Starter(started_by, "")
    origin, account = words[0], words[1]
    trigger, _, user = origin.partition(":")
    return Starter(trigger, user or account)
