"""`listbridge runs …`: what each job did, and the records it could not sync."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.cli.render import open_for_writing
from listbridge.core.error_report import ERROR_COLUMNS, write_error_csv
from listbridge.core.errors import UserError
from listbridge.core.runs import ErrorRow
from listbridge.store.runs import RunRecord, get_run, iter_run_errors, list_runs
from listbridge.sync.undo import COUNTS, UndoRequest, describe, preview_undo, run_undo

app = typer.Typer(no_args_is_help=True, help="What each job did, and what it could not sync.")

SHOWN_ERRORS = 50


@app.command("ls")
def ls(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON array of runs."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many, newest first."),
    kind: str | None = typer.Option(None, "--kind", help="Only runs of this kind."),
) -> None:
    """The connection's runs, newest first."""
    state = context(ctx)
    runs = list_runs(state.store, state.connection_id, limit=limit, kind=kind)
    if as_json:
        typer.echo(json.dumps([_run_json(run) for run in runs], indent=2))
        return
    if not runs:
        typer.echo("no runs yet")
        return
    table = Table("run", "kind", "status", "started", "finished", "counts", "errors")
    for run in runs:
        table.add_row(
            str(run.run_id),
            run.kind,
            run.status.value,
            _time(run.started_at),
            _time(run.finished_at),
            _counts(run),
            str(run.error_count),
        )
    Console(highlight=False, markup=False).print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="A run id from `runs ls`."),
    as_json: bool = typer.Option(False, "--json", help="The run and its error rows as JSON."),
    errors_csv: Path | None = typer.Option(
        None, "--errors-csv", help="Write every error row to this CSV file ('-': stdout)."
    ),
) -> None:
    """One run: how it went, its counts, and the records it did not sync."""
    state = context(ctx)
    run = get_run(state.store, state.connection_id, run_id)
    errors = iter_run_errors(state.store, run.run_id)
    if errors_csv is not None:
        written = _write_csv(errors_csv, errors)
        where = "stdout" if str(errors_csv) == "-" else errors_csv
        typer.echo(f"wrote {written} error row(s) to {where}", err=True)
        if str(errors_csv) == "-":
            return
        errors = iter_run_errors(state.store, run.run_id)
    if as_json:
        typer.echo(
            json.dumps({**_run_json(run), "errors": [_error_json(e) for e in errors]}, indent=2)
        )
        return
    _print_run(run, errors)


@app.command("undo")
def undo(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="A push, import or lists run from `runs ls`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(
        False, "--force", help="Undo even where later runs changed the same records."
    ),
    as_json: bool = typer.Option(False, "--json", help="The undo run as JSON."),
) -> None:
    """Revert what a run changed in the CRM and in Constant Contact; consent is never undone."""
    state = context(ctx)
    request = UndoRequest(run_id, force)
    planned = preview_undo(state.start(), request)
    for line in describe(planned):
        typer.echo(line, err=True)
    if planned.plan.empty and not planned.plan.not_reverted:
        typer.echo(f"run {run_id} changed nothing that can be reverted; nothing done", err=True)
        if as_json:
            nothing = dict.fromkeys(COUNTS, 0)
            typer.echo(json.dumps({"run_id": None, "undone_run_id": run_id, **nothing,
                                   "errors": []}, indent=2))  # fmt: skip
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("runs undo asks before it changes anything: add --yes to go ahead")
        if not typer.confirm(f"Undo run {run_id}?", default=False, err=True):
            typer.echo("Nothing changed.", err=True)
            return
    result = run_undo(state.start(progress=lambda m: typer.echo(m, err=True)), request)
    counts = {key: result.count(key) for key in (*COUNTS, *result.counts)}
    if as_json:
        errors = [_error_json(e) for e in result.errors]
        answer = {"run_id": result.run_id, "undone_run_id": run_id, **counts, "errors": errors}
        typer.echo(json.dumps(answer, indent=2))
        return
    typer.echo(f"run {result.run_id}: undo of run {run_id}, {result.status.value}")
    typer.echo(", ".join(f"{key} {value}" for key, value in counts.items()))
    if result.errors:
        typer.echo(f"`listbridge runs show {result.run_id}` lists what was not reverted and why")


def _run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "kind": run.kind,
        "status": run.status.value,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": dict(run.counts),
        "started_by": run.started_by,
        "message": run.message,
        "error_count": run.error_count,
    }


def _error_json(error: ErrorRow) -> dict[str, Any]:
    return {column: getattr(error, column) for column in ERROR_COLUMNS}


def _time(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _text(cell: object) -> str:
    return "" if cell is None else str(cell)


def _counts(run: RunRecord) -> str:
    return ", ".join(f"{key} {value}" for key, value in run.counts.items())


def _print_run(run: RunRecord, errors: Iterable[ErrorRow]) -> None:
    console = Console(highlight=False, markup=False)
    console.print(f"run {run.run_id}: {run.kind}, {run.status.value}")
    console.print(f"started {_time(run.started_at)} UTC by {run.started_by}")
    console.print(f"finished {_time(run.finished_at)} UTC" if run.finished_at else "not finished")
    if run.message:
        console.print(f"message: {run.message}")
    console.print(f"counts: {_counts(run) or 'none'}")
    table = Table(*ERROR_COLUMNS, title=f"{run.error_count} record(s) not synced")
    for error, _ in zip(errors, range(SHOWN_ERRORS), strict=False):
        table.add_row(
            *(str(cell) if cell is not None else "" for cell in _error_json(error).values())
        )
    if run.error_count:
        console.print(table)
    if run.error_count > SHOWN_ERRORS:
        console.print(f"… {run.error_count - SHOWN_ERRORS} more: --errors-csv FILE writes them all")


def _write_csv(path: Path, errors: Iterable[ErrorRow]) -> int:
    with open_for_writing(path, "error report") as out:
        return write_error_csv(out, errors)
