"""How every job starts and ends: one context, one run wrapper, one runner.

`JobStart` says who starts a job, on which connection, with which clock and progress.
`job_context(start)` loads the connection's settings and opens its Constant Contact
client and its CRM (through the protocol); `job_run(kind, start)` adds the connection's
lock and a run of `kind`, finished on the way out (succeeded, partial, interrupted or
failed: store/runs.py). `run_job(start, job)` is what an entry point calls: the job's
checks before the lock, its work inside it, then its completion e-mail. A job is a
function of a context; the full sync composes job functions under one run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import ClassVar, Generic, TypeVar

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.core.settings import Settings
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.db import Store
from listbridge.store.locks import locked_run
from listbridge.store.runs import RunRecorder, started_by
from listbridge.store.settings import effective_settings
from listbridge.sync.cc_connection import open_client
from listbridge.sync.completion_mail import Completion, notify_completion

Clock = Callable[[], datetime]
Progress = Callable[[str], None]
R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(UTC)


def quiet(_message: str) -> None:
    return None


def _unlocked() -> None:
    return None


@dataclass(frozen=True)
class JobStart:
    """Who starts a job and where: the CLI, the scheduler, the web and a worker all say it
    this way, and every entry point takes it first."""

    store: Store
    connection_id: int
    #: who started it, as `runs ls` shows it ("cli", "scheduler", "demo", …)
    origin: str = "cli"
    clock: Clock = utc_now
    progress: Progress = quiet


@dataclass
class JobResult:
    """What a job returns: its run, how it ended, its counts and its error rows."""

    run_id: int
    status: RunStatus
    counts: Counter[str]
    errors: list[ErrorRow] = field(default_factory=list)

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))


@dataclass(frozen=True)
class JobContext:
    """What a job works with; the same for the CLI, the scheduler and the web."""

    store: Store
    connection_id: int
    settings: Settings
    client: ConstantContact
    crm: CrmWithLists
    clock: Clock = utc_now
    progress: Progress = quiet
    #: raises when the connection's lock was lost (a job checks it between batches)
    check_lock: Callable[[], None] = _unlocked


class Job(ABC, Generic[R]):
    """A job as `run_job` runs it: a subclass names its kind and does its work."""

    #: the kind of its run ("push", "import", …) and of the lock's holder
    kind: ClassVar[str]

    def prepare(self, ctx: JobContext) -> None:
        """What refuses before the lock is taken, so that no run is recorded for it (an
        unknown list, the blast-radius guard); may keep what it read for `work`."""

    @abstractmethod
    def work(self, ctx: JobContext, run: RunRecorder) -> R:
        """The job inside the connection's lock and its run."""

    def completion(self, result: R) -> Completion | None:
        """The completion e-mail's content (None: the job sends none)."""
        return None


@contextmanager
def job_context(start: JobStart) -> Iterator[JobContext]:
    """A context without the lock or a run: for a dry run, a preview, a read."""
    store, connection_id = start.store, start.connection_id
    client = open_client(store, connection_id)
    try:
        settings = effective_settings(store, connection_id)
        crm = open_crm(store, connection_id, start.clock)
        yield JobContext(store, connection_id, settings, client, crm, start.clock, start.progress)
    finally:
        client.close()


@contextmanager
def locked(ctx: JobContext, kind: str, origin: str) -> Iterator[tuple[JobContext, RunRecorder]]:
    """The context inside the connection's lock and a run of `kind`."""
    holder = started_by(origin)
    with locked_run(ctx.store, ctx.connection_id, kind, holder) as (held, run):
        yield replace(ctx, check_lock=held.check), run


@contextmanager
def job_run(kind: str, start: JobStart) -> Iterator[tuple[JobContext, RunRecorder]]:
    """The job's context inside the connection's lock and a run of `kind`."""
    with job_context(start) as ctx, locked(ctx, kind, start.origin) as (held, run):
        yield held, run


def run_job(start: JobStart, job: Job[R]) -> R:
    """Prepare, lock, run, finish the run, then send the completion e-mail."""
    with job_context(start) as ctx:
        job.prepare(ctx)
        with locked(ctx, job.kind, start.origin) as (held, run):
            result = job.work(held, run)
    done = job.completion(result)
    if done is not None:
        notify_completion(ctx.store.config, ctx.settings, done)
    return result
