"""A connection's runs a page at a time, for the web admin's history and report pages.

`runs ls` reads the newest N runs and counts every run's error rows in one grouped
query; a screen showing page 40 of a long history must not read the 39 pages before it,
nor count the errors of runs it does not show. Each read here asks for one page: the
runs (by id, newest first: the primary key orders them), then the error counts of just
those runs, and a count of the whole for the pager.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.db import Store
from listbridge.store.models import Run, RunError
from listbridge.store.runs import RunRecord


@dataclass(frozen=True)
class Page:
    """Which slice of a long listing: 1-based, `size` rows each."""

    number: int = 1
    size: int = 25

    @property
    def offset(self) -> int:
        return (max(self.number, 1) - 1) * self.size


@dataclass(frozen=True)
class RunPage:
    runs: list[RunRecord]
    total: int


def runs_page(store: Store, connection_id: int, page: Page) -> RunPage:
    """The page's runs, newest first, and how many runs the connection has in all."""
    query = (
        select(Run)
        .where(Run.connection_id == connection_id)
        .order_by(Run.id.desc())
        .offset(page.offset)
        .limit(page.size)
    )
    counted = select(func.count()).select_from(Run).where(Run.connection_id == connection_id)
    with store.session() as session:
        runs = list(session.scalars(query))
        total = int(session.scalar(counted) or 0)
        return RunPage(_records(session, runs), total)


def newest_of_kind(store: Store, connection_id: int, kind: str) -> RunRecord | None:
    """The connection's latest run of `kind` (None: it never ran)."""
    query = (
        select(Run)
        .where(Run.connection_id == connection_id, Run.kind == kind)
        .order_by(Run.id.desc())
        .limit(1)
    )
    with store.session() as session:
        found = _records(session, list(session.scalars(query)))
    return found[0] if found else None


def run_errors_page(store: Store, run_id: int, page: Page) -> list[ErrorRow]:
    """The run's error rows of one page, in the order they were found."""
    query = (
        select(RunError)
        .where(RunError.run_id == run_id)
        .order_by(RunError.id)
        .offset(page.offset)
        .limit(page.size)
    )
    with store.session() as session:
        return [
            ErrorRow(r.reason, r.account_id, r.cc_contact_id, r.email, r.field, r.row)
            for r in session.scalars(query)
        ]


def _records(session: Session, runs: Sequence[Run]) -> list[RunRecord]:
    errors = _error_counts(session, (run.id for run in runs))
    return [_record(run, errors.get(run.id, 0)) for run in runs]


def _error_counts(session: Session, run_ids: Iterable[int]) -> dict[int, int]:
    ids = list(run_ids)
    if not ids:
        return {}
    query = (
        select(RunError.run_id, func.count())
        .where(RunError.run_id.in_(ids))
        .group_by(RunError.run_id)
    )
    return {int(run_id): int(n) for run_id, n in session.execute(query)}


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
        error_count,
    )
