"""What each sync button runs: the CLI's own job functions, through the same `JobStart`.

A real run is the run `runs ls` shows (its `started_by` comes from the start's origin);
a dry run records nothing, so its result lives only in the `Outcome` the screen shows:
the counts the run would make and the plan's decisions per reason, as `--dry-run`
prints them. The full sync takes its direction from `push.direction`, as `sync full`
without `--direction` does. A list sync (`ListSyncKind`, from /lists) carries what
`lists sync` is given: the lists, the direction, whether the guard's question was answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from listbridge.core.runs import RunStatus
from listbridge.core.setting_values import Direction
from listbridge.core.settings import PUSH_DIRECTION
from listbridge.store.settings import effective_settings
from listbridge.sync.full import FullSyncRequest, full_sync
from listbridge.sync.full_preview import FullSyncPreview, preview_full_sync
from listbridge.sync.imports import ImportRequest, preview_import, run_import
from listbridge.sync.imports.job import COUNTS as IMPORT_COUNTS
from listbridge.sync.job import JobStart
from listbridge.sync.lists import ListSyncRequest, sync_lists
from listbridge.sync.lists.result import COUNTS as LIST_COUNTS
from listbridge.sync.lists.result import ListOutcome
from listbridge.sync.push import COUNTS as PUSH_COUNTS
from listbridge.sync.push import PushRequest, run_push

#: a message for the live view, with the counts so far when the job reports them
Report = Callable[[str, Mapping[str, int] | None], None]


class Action(StrEnum):
    IMPORT = "import"
    PUSH = "push"
    FULL = "full"


TITLES = {Action.IMPORT: "import", Action.PUSH: "push", Action.FULL: "full sync"}
#: the counts a screen shows of each kind's run: those of `import --json` / `push --json`
SHOWN_COUNTS: dict[str, tuple[str, ...]] = {"import": IMPORT_COUNTS, "push": PUSH_COUNTS}


@dataclass(frozen=True)
class JobKind:
    """A button: which job, and whether it only previews."""

    action: Action
    dry_run: bool = False

    def __str__(self) -> str:
        return TITLES[self.action] + (" dry run" if self.dry_run else "")


@dataclass(frozen=True)
class ListSyncKind:
    """A real `lists sync` started from /lists (its preview runs in the request)."""

    names: tuple[str, ...] = ()
    #: None: the `push.direction` setting's, as `lists sync` without `--direction`
    direction: Direction | None = None
    #: the guard's question answered "Sync anyway" (`--confirm`)
    confirm: bool = False
    action: ClassVar[str] = "lists"
    dry_run: ClassVar[bool] = False

    def __str__(self) -> str:
        return "list sync"


#: what the runner runs: a button of /sync, or a list sync of /lists
Kind = JobKind | ListSyncKind


@dataclass(frozen=True)
class Outcome:
    """How a job started from the browser ended, as its live view's last word."""

    ok: bool
    summary: str
    #: a dry run's plan (decisions per reason), or a full sync's steps
    details: tuple[str, ...] = ()
    run_id: int | None = None
    counts: Mapping[str, int] = field(default_factory=dict)


def perform(kind: Kind, start: JobStart, report: Report) -> Outcome:
    """Run `kind` to its end (LockHeldError and the other job errors pass through)."""
    if isinstance(kind, ListSyncKind):
        return _lists(kind, start)
    return _WORK[kind](start, report)


def _lists(kind: ListSyncKind, start: JobStart) -> Outcome:
    """GuardStopped passes through: the live view shows the guard's words as a failure."""
    settings = effective_settings(start.store, start.connection_id)
    direction = kind.direction or settings.get(PUSH_DIRECTION)
    result = sync_lists(start, ListSyncRequest(kind.names, direction, kind.confirm))
    counts = {key: result.counts()[key] for key in LIST_COUNTS}
    ok = result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    summary = f"{kind} run {result.run_id} {result.status.value}, direction {result.direction}"
    details = tuple(_list_line(o) for o in result.lists)
    return Outcome(ok, f"{summary}: {said(counts)}", details, result.run_id, counts)


def _list_line(o: ListOutcome) -> str:
    line = (
        f"{o.name}: +{o.added_to_cc}/-{o.removed_from_cc} in Constant Contact, "
        f"+{o.added_to_crm}/-{o.removed_from_crm} in the CRM"
    )
    return f"{line} ({o.note})" if o.note else line


def _ran(kind: JobKind, run_id: int, status: RunStatus, counts: Mapping[str, int]) -> Outcome:
    ok = status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    summary = f"{kind} run {run_id} {status.value}: {said(counts) or 'nothing to do'}"
    return Outcome(ok, summary, run_id=run_id, counts=dict(counts))


def _previewed(kind: JobKind, counts: Mapping[str, int], plan: Mapping[str, int]) -> Outcome:
    details = tuple(f"{n} × {what}" for what, n in sorted(plan.items()))
    summary = f"{kind} (nothing changed): {said(counts) or 'nothing to do'}"
    return Outcome(True, summary, details, counts=dict(counts))


def said(counts: Mapping[str, int]) -> str:
    """`3 attempted, 1 created`: counts as a sentence, in the job's own order."""
    return ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in counts.items())


def _counted(report: Report) -> Callable[[str, Mapping[str, int]], None]:
    return lambda label, counts: report(label, dict(counts))


def _import(start: JobStart, report: Report) -> Outcome:
    result = run_import(start, ImportRequest(report=_counted(report)))
    counts = {key: result.count(key) for key in IMPORT_COUNTS}
    return _ran(JobKind(Action.IMPORT), result.run_id, result.status, counts)


def _import_preview(start: JobStart, report: Report) -> Outcome:
    preview = preview_import(start, ImportRequest(report=_counted(report)))
    counts = {key: preview.count(key) for key in IMPORT_COUNTS}
    return _previewed(JobKind(Action.IMPORT, True), counts, preview.by_reason())


def _push(start: JobStart, _report: Report) -> Outcome:
    result = run_push(start, PushRequest())
    counts = {key: result.count(key) for key in PUSH_COUNTS}
    return _ran(JobKind(Action.PUSH), result.run_id, result.status, counts)


def _push_preview(start: JobStart, _report: Report) -> Outcome:
    result = run_push(start, PushRequest(dry_run=True))
    counts = {key: result.count(key) for key in PUSH_COUNTS}
    return _previewed(JobKind(Action.PUSH, True), counts, result.by_reason)


def _request(start: JobStart) -> FullSyncRequest:
    settings = effective_settings(start.store, start.connection_id)
    return FullSyncRequest(settings.get(PUSH_DIRECTION))


def _full(start: JobStart, _report: Report) -> Outcome:
    result = full_sync(start, _request(start))
    ok = result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    summary = f"{JobKind(Action.FULL)} run {result.run_id} {result.status.value}"
    steps = tuple(_step(step, counts) for step, counts in result.steps.items())
    return Outcome(ok, f"{summary}, direction {result.direction}", steps, result.run_id)


def _full_preview(start: JobStart, _report: Report) -> Outcome:
    preview = preview_full_sync(start, _request(start))
    summary = f"{JobKind(Action.FULL, True)} (nothing changed), direction {preview.direction}"
    if preview.stopped:
        summary += f": the run would stop before writing anything: {preview.stopped}"
    return Outcome(True, summary, _preview_steps(preview))


def _preview_steps(preview: FullSyncPreview) -> tuple[str, ...]:
    steps = {"unsubscribes": said(preview.unsubscribes.counts())}
    if preview.imported is not None:
        steps["import"] = said({key: preview.imported.count(key) for key in IMPORT_COUNTS})
    if preview.pushed is not None:
        steps["push"] = said({key: preview.pushed.count(key) for key in PUSH_COUNTS})
    steps["lists"] = said(preview.lists.counts())
    return tuple(f"{step}: {counts or 'nothing to do'}" for step, counts in steps.items())


def _step(step: str, counts: Mapping[str, int]) -> str:
    return f"{step}: {said({k: n for k, n in counts.items() if n}) or 'nothing to do'}"


_WORK: dict[JobKind, Callable[[JobStart, Report], Outcome]] = {
    JobKind(Action.IMPORT): _import,
    JobKind(Action.IMPORT, True): _import_preview,
    JobKind(Action.PUSH): _push,
    JobKind(Action.PUSH, True): _push_preview,
    JobKind(Action.FULL): _full,
    JobKind(Action.FULL, True): _full_preview,
}
