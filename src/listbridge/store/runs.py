"""Runs: every job's record (kind, who started it, how it ended, counts) and its error rows."""

from __future__ import annotations

import getpass
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, insert, select, update
from sqlalchemy.orm import Session

from listbridge.core.errors import ListbridgeError, UserError
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.db import Store
from listbridge.store.models import Connection, Run, RunError

BATCH = 1000
# Run ids are an Integer column: PostgreSQL's integer stops at 2**31 - 1 and refuses a
# larger parameter (DataError), SQLite's driver refuses one past 2**63 - 1 (OverflowError).
# Ids count up from 1, so an id outside this range names no run and is simply not found.
MAX_RUN_ID = 2**31 - 1


def _now() -> datetime:
    return datetime.now(UTC)


def started_by(origin: str = "cli") -> str:
    """Who or what started a run, e.g. `cli root@crm-01 pid 4711` or `scheduler …`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        # No passwd entry (some containers): the uid still says who.
        user = f"uid {os.getuid()}"
    return f"{origin} {user}@{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class RunRecord:
    """A run as `runs ls` / `runs show` and the web admin show it."""

    run_id: int
    kind: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    started_by: str
    counts: Mapping[str, int]
    message: str
    error_count: int


def start_run(
    store: Store,
    connection_id: int,
    kind: str,
    started_by: str,
    then: Callable[[Session, int], None] | None = None,
) -> int:
    """`then`: more to write with the new run's id, in its transaction (the lock naming it)."""
    with store.session() as session:
        run = Run(
            connection_id=connection_id,
            kind=kind,
            status=RunStatus.RUNNING.value,
            started_at=_now(),
            started_by=started_by[:200],
            counts={},
            message="",
        )
        session.add(run)
        session.flush()
        if then is not None:
            then(session, run.id)
        return run.id


def finish_run(
    store: Store,
    run_id: int,
    status: RunStatus,
    counts: Mapping[str, int],
    message: str = "",
) -> None:
    with store.session() as session:
        result = session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(status=status.value, counts=dict(counts), message=message, finished_at=_now())
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            raise UserError(f"no run {run_id} to finish")


def interrupt_orphaned_run(session: Session, run_id: int, message: str, now: datetime) -> None:
    """Mark a run whose process died as interrupted (it is resumable), if still running."""
    session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.INTERRUPTED.value, message=message, finished_at=now)
    )


def add_run_errors(target: Store | Session, run_id: int, errors: Iterable[ErrorRow]) -> int:
    """Store error rows in batches; in the caller's transaction when given a session."""
    if isinstance(target, Store):
        with target.session() as session:
            return add_run_errors(session, run_id, errors)
    added = 0
    rows = iter(errors)
    while chunk := [_error_values(run_id, error) for error in islice(rows, BATCH)]:
        target.execute(insert(RunError), chunk)
        added += len(chunk)
    return added


def _error_values(run_id: int, error: ErrorRow) -> dict[str, object]:
    return {
        "run_id": run_id,
        "account_id": error.account_id,
        "cc_contact_id": error.cc_contact_id,
        "email": error.email,
        "field": error.field,
        "row": error.row,
        "reason": error.reason,
    }


def list_runs(
    store: Store, connection_id: int, *, limit: int = 50, kind: str | None = None
) -> list[RunRecord]:
    """The connection's newest runs first."""
    conditions = [Run.connection_id == connection_id]
    if kind:
        conditions.append(Run.kind == kind)
    with store.session() as session:
        return _fetch(session, conditions, limit)


def get_run(store: Store, connection_id: int, run_id: int) -> RunRecord:
    with store.session() as session:
        conditions = [Run.connection_id == connection_id, Run.id == run_id]
        found = _fetch(session, conditions, 1) if 1 <= run_id <= MAX_RUN_ID else []
        if not found:
            name = session.scalar(select(Connection.name).where(Connection.id == connection_id))
            raise UserError(
                f"no run {run_id} in connection {name!r}; `listbridge runs ls` lists its runs"
            )
        return found[0]


def _fetch(session: Session, conditions: list[ColumnElement[bool]], limit: int) -> list[RunRecord]:
    errors = select(RunError.run_id, func.count().label("n")).group_by(RunError.run_id).subquery()
    query = (
        select(Run, func.coalesce(errors.c.n, 0))
        .outerjoin(errors, errors.c.run_id == Run.id)
        .where(*conditions)
        .order_by(Run.id.desc())
        .limit(limit)
    )
    return [_record(run, count) for run, count in session.execute(query)]


def _record(run: Run, error_count: int) -> RunRecord:
    return RunRecord(
        run.id,
        run.kind,
        RunStatus(run.status),
        run.started_at,
        run.finished_at,
        run.started_by,
        {str(k): int(v) for k, v in (run.counts or {}).items()},
        run.message,
        int(error_count),
    )


def run_errors(store: Store, run_id: int) -> list[ErrorRow]:
    return list(iter_run_errors(store, run_id))


def iter_run_errors(store: Store, run_id: int) -> Iterator[ErrorRow]:
    """A run's error rows in the order they were found, streamed (a run may have many)."""
    query = select(RunError).where(RunError.run_id == run_id).order_by(RunError.id)
    with store.session() as session:
        for row in session.scalars(query.execution_options(yield_per=BATCH)):
            yield ErrorRow(
                row.reason, row.account_id, row.cc_contact_id, row.email, row.field, row.row
            )


@dataclass
class RunRecorder:
    """A run in progress: counts to fill in, errors to add, an optional explicit outcome."""

    store: Store
    run_id: int
    counts: Counter[str] = field(default_factory=Counter)
    status: RunStatus | None = None
    message: str = ""
    errors_added: int = 0

    def add_errors(self, errors: Iterable[ErrorRow], session: Session | None = None) -> int:
        added = add_run_errors(session or self.store, self.run_id, errors)
        self.errors_added += added
        return added

    def outcome(self) -> RunStatus:
        """As set by the job, else partial when records were not synced, else succeeded."""
        if self.status is not None:
            return self.status
        return RunStatus.PARTIAL if self.errors_added else RunStatus.SUCCEEDED


@contextmanager
def recorded_run(
    store: Store,
    connection_id: int,
    kind: str,
    started_by: str,
    then: Callable[[Session, int], None] | None = None,
) -> Iterator[RunRecorder]:
    """A run for the block: failed on an error, interrupted on Ctrl-C, else its outcome."""
    recorder = RunRecorder(store, start_run(store, connection_id, kind, started_by, then))
    try:
        yield recorder
    except ListbridgeError as error:
        status = RunStatus.INTERRUPTED if error.resumable else RunStatus.FAILED
        message = f"{error}; run it again to finish" if error.resumable else str(error)
        finish_run(store, recorder.run_id, status, recorder.counts, message)
        if error.resumable:
            error.interrupted_run = recorder.run_id
        raise
    except Exception as error:
        finish_run(store, recorder.run_id, RunStatus.FAILED, recorder.counts, str(error))
        raise
    except BaseException:
        message = "interrupted (Ctrl-C or stop signal); run it again to finish"
        finish_run(store, recorder.run_id, RunStatus.INTERRUPTED, recorder.counts, message)
        raise
    finish_run(store, recorder.run_id, recorder.outcome(), recorder.counts, recorder.message)
