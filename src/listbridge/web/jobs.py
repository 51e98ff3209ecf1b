"""Sync jobs started from the browser: run in the background, watched live.

A button (of /sync, or /lists' "Sync now") → `JobRunner.start(kind, connection_id,
user)` → the CLI's job function (job_work.py) on a thread of this process, with the
origin `web:USER` (so `runs ls` names who started it) and a progress callback that
writes to the `JobBoard` → the screen's live view reads the board (and the connection's
lock, for jobs of other processes: job_notice.py).

The runner is an interface with one method so that workers can take the jobs later; the
in-process runner is the one there is today. It refuses a second job on a connection at
once, with LockHeldError as the job itself would raise it: a page can say so on the
spot instead of reporting the refusal later as the new job's result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from listbridge.core.errors import ListbridgeError, LockHeldError
from listbridge.store.connections import connection_name
from listbridge.store.db import Store
from listbridge.store.locks import format_moment
from listbridge.sync.job import JobStart
from listbridge.web.errors import page_message
from listbridge.web.job_notice import WEB, Notice, busy_notice
from listbridge.web.job_work import Kind, Outcome, perform

log = logging.getLogger("listbridge.web.jobs")
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class JobRunner(Protocol):
    def start(self, kind: Kind, connection_id: int, user: str) -> None:
        """Start `kind` on the connection for `user` in the background; LockHeldError at
        once when another job (of any process) holds the connection."""


@dataclass(frozen=True)
class JobStatus:
    """The latest word of the job a user started here: what the live view shows."""

    kind: Kind
    user: str
    started_at: datetime
    message: str = "starting"
    counts: Mapping[str, int] = field(default_factory=dict)
    #: None while it runs
    outcome: Outcome | None = None
    finished_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.outcome is None

    def notice(self) -> Notice:
        return Notice(self.user, str(self.kind), self.started_at)


class JobBoard:
    """Per connection, the status of the latest job started in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[int, JobStatus] = {}

    def get(self, connection_id: int) -> JobStatus | None:
        with self._lock:
            return self._latest.get(connection_id)

    def claim(self, connection_id: int, status: JobStatus) -> JobStatus | None:
        """Put `status` up unless a job of this process still runs there (that one's
        status is returned then): two clicks at once start one job."""
        with self._lock:
            current = self._latest.get(connection_id)
            if current is not None and current.running:
                return current
            self._latest[connection_id] = status
            return None

    def report(self, connection_id: int, message: str, counts: Mapping[str, int] | None) -> None:
        with self._lock:
            current = self._latest[connection_id]
            kept = current.counts if counts is None else dict(counts)
            self._latest[connection_id] = replace(current, message=message, counts=kept)

    def finish(self, connection_id: int, outcome: Outcome, at: datetime) -> None:
        with self._lock:
            current = self._latest[connection_id]
            counts = outcome.counts or current.counts
            done = replace(current, outcome=outcome, counts=counts, finished_at=at)
            self._latest[connection_id] = done


@dataclass
class InProcessRunner:
    """Each job on a thread of the web server's process."""

    store: Store
    board: JobBoard = field(default_factory=JobBoard)
    clock: Clock = _now

    def start(self, kind: Kind, connection_id: int, user: str) -> None:
        holder = busy_notice(self.store, connection_id, self.board)
        if holder is None:
            holder = self._claimed(kind, connection_id, user)
        if holder is not None:
            name = connection_name(self.store, connection_id)
            raise LockHeldError(name, holder.who_and_what, format_moment(holder.since))
        # A daemon: stopping the server must not wait for a long import. A job cut off
        # there is resumable, as after Ctrl-C: its lock lapses and its run says so.
        thread = threading.Thread(
            target=self._run, args=(kind, connection_id, user),
            name=f"web-{kind.action}-{connection_id}", daemon=True,
        )  # fmt: skip
        thread.start()

    def _claimed(self, kind: Kind, connection_id: int, user: str) -> Notice | None:
        running = self.board.claim(connection_id, JobStatus(kind, user, self.clock()))
        return None if running is None else running.notice()

    def _run(self, kind: Kind, connection_id: int, user: str) -> None:
        def report(message: str, counts: Mapping[str, int] | None) -> None:
            self.board.report(connection_id, message, counts)

        start = JobStart(
            self.store, connection_id, origin=f"{WEB}:{user}",
            progress=lambda message: report(message, None),
        )  # fmt: skip
        self.board.finish(connection_id, _outcome(kind, start, report), self.clock())


def _outcome(kind: Kind, start: JobStart, report: Callable[..., None]) -> Outcome:
    try:
        return perform(kind, start, report)
    except ListbridgeError as error:
        # The errors a job raises are written for a person (busy, not connected, the
        # guard stopped it, an unknown list): the live view shows them as they are.
        return Outcome(False, f"{kind}: {page_message(error)}")
    except Exception:
        # The job's thread is the last place to catch anything: uncaught, the screen
        # would show the job running for ever. Its run, if any, says failed already.
        log.exception("%s on connection %s failed", kind, start.connection_id)
        return Outcome(False, f"{kind} failed unexpectedly; the server's log has the details")
