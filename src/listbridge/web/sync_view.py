"""What the /sync screens show, read for one request: the live state of the connection's
job, the latest import and push results, one page of the run history, one run's report.

Every read asks the store for one page only (store/run_history.py), so a connection with
thousands of runs renders as fast as one with ten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.db import Store
from listbridge.store.run_history import (
    Page,
    newest_of_kind,
    run_errors_page,
    runs_page,
)
from listbridge.store.runs import RunRecord, get_run
from listbridge.web.job_notice import KIND_TITLES, Notice, Starter, busy_notice, starter
from listbridge.web.job_work import SHOWN_COUNTS
from listbridge.web.jobs import JobBoard, JobStatus

HISTORY_PAGE = 25
ERRORS_PAGE = 50


@dataclass(frozen=True)
class LiveView:
    """Whether a sync runs (any process), who started it, and this process's latest job."""

    notice: Notice | None
    #: the latest job started here, running or finished (None: none since the server started)
    status: JobStatus | None

    @property
    def busy(self) -> bool:
        return self.notice is not None


def live_view(store: Store, connection_id: int, board: JobBoard) -> LiveView:
    return LiveView(busy_notice(store, connection_id, board), board.get(connection_id))


@dataclass(frozen=True)
class Pager:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def newer(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def older(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


@dataclass(frozen=True)
class RunRow:
    """A run as the history table and the report page show it."""

    run: RunRecord
    starter: Starter
    duration: str
    counts: str

    @property
    def title(self) -> str:
        return KIND_TITLES.get(self.run.kind, self.run.kind)


def run_row(run: RunRecord) -> RunRow:
    return RunRow(run, starter(run.started_by), duration(run), counts_text(run.counts))


@dataclass(frozen=True)
class Latest:
    """The newest run of a kind, with the counts its `--json` gives, in that order."""

    row: RunRow
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SyncScreen:
    live: LiveView
    latest_import: Latest | None
    latest_push: Latest | None
    history: list[RunRow]
    pager: Pager


def sync_screen(store: Store, connection_id: int, board: JobBoard, page: int) -> SyncScreen:
    found = runs_page(store, connection_id, Page(page, HISTORY_PAGE))
    return SyncScreen(
        live_view(store, connection_id, board),
        _latest(store, connection_id, "import"),
        _latest(store, connection_id, "push"),
        [run_row(run) for run in found.runs],
        Pager(page, HISTORY_PAGE, found.total),
    )


def _latest(store: Store, connection_id: int, kind: str) -> Latest | None:
    run = newest_of_kind(store, connection_id, kind)
    if run is None:
        return None
    shown = tuple((key, int(run.counts.get(key, 0))) for key in SHOWN_COUNTS[kind])
    return Latest(run_row(run), shown)


@dataclass(frozen=True)
class RunReport:
    row: RunRow
    errors: list[ErrorRow]
    pager: Pager
    #: every count the run recorded, in its own order (a full sync's are `step.count`)
    counts: tuple[tuple[str, int], ...]


def run_report(store: Store, connection_id: int, run_id: int, page: int) -> RunReport:
    """UserError when the connection has no such run."""
    run = get_run(store, connection_id, run_id)
    errors = run_errors_page(store, run.run_id, Page(page, ERRORS_PAGE))
    counts = tuple(run.counts.items())
    return RunReport(run_row(run), errors, Pager(page, ERRORS_PAGE, run.error_count), counts)


def duration(run: RunRecord) -> str:
    if run.finished_at is None:
        return "running" if run.status is RunStatus.RUNNING else "—"
    return said_duration(run.finished_at - run.started_at)


def said_duration(span: timedelta) -> str:
    seconds = max(0, round(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def counts_text(counts: Mapping[str, int]) -> str:
    """The counts that are not zero, a full sync's grouped by step (`import: 2 created`)."""
    steps: dict[str, list[str]] = {}
    for key, value in counts.items():
        if value:
            step, _, name = key.rpartition(".")
            steps.setdefault(step, []).append(f"{value} {name.replace('_', ' ')}")
    parts = [(f"{step}: " if step else "") + ", ".join(said) for step, said in steps.items()]
    return "; ".join(parts) or "nothing done"


def moment(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "—"
