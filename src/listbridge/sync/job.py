"""How every job starts and ends: one context, one run wrapper.

`job_run(kind, …)` loads the connection's settings, opens its Constant Contact client and
its CRM (through the protocol), takes the connection's lock, records the run, and yields
a `JobContext` with the run. On the way out the run is finished (succeeded, partial,
interrupted or failed: store/runs.py), the lock given back, the client closed. A job is a
function of a context; the full sync composes job functions under one run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.settings import Settings
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.db import Store
from listbridge.store.locks import locked_run
from listbridge.store.runs import RunRecorder, started_by
from listbridge.store.settings import effective_settings
from listbridge.sync.cc_connection import open_client

Clock = Callable[[], datetime]
Progress = Callable[[str], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def quiet(_message: str) -> None:
    return None


def _unlocked() -> None:
    return None


@dataclass(frozen=True)
class JobContext:
    """What a job works with; the same for the CLI, the scheduler and (later) the web."""

    store: Store
    connection_id: int
    settings: Settings
    client: ConstantContact
    crm: CrmWithLists
    clock: Clock = utc_now
    progress: Progress = quiet
    #: raises when the connection's lock was lost (a job checks it between batches)
    check_lock: Callable[[], None] = _unlocked


@contextmanager
def job_context(
    store: Store, connection_id: int, *, clock: Clock = utc_now, progress: Progress = quiet
) -> Iterator[JobContext]:
    """A context without the lock or a run: for a dry run, a preview, a read."""
    client = open_client(store, connection_id)
    try:
        settings = effective_settings(store, connection_id)
        crm = open_crm(store, connection_id, clock)
        yield JobContext(store, connection_id, settings, client, crm, clock, progress)
    finally:
        client.close()


@contextmanager
def job_run(
    kind: str,
    store: Store,
    connection_id: int,
    *,
    origin: str = "cli",
    clock: Clock = utc_now,
    progress: Progress = quiet,
) -> Iterator[tuple[JobContext, RunRecorder]]:
    """The job's context inside the connection's lock and a run of `kind`."""
    with (
        job_context(store, connection_id, clock=clock, progress=progress) as ctx,
        locked_run(store, connection_id, kind, started_by(origin)) as (held, run),
    ):
        yield replace(ctx, check_lock=held.check), run
