"""`listbridge crm load`: a file into the builtin CRM, with a progress display for a large
one and the invalid rows reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from listbridge.cli.context import context
from listbridge.cli.crm_builtin import builtin_only
from listbridge.cli.crm_load_preview import preview_lines
from listbridge.cli.errors import EXIT_USAGE
from listbridge.crm.builtin.load import LoadResult, load_file
from listbridge.crm.builtin.load_options import read_options
from listbridge.crm.builtin.preview import preview_file
from listbridge.store.runs import started_by

_stderr = Console(stderr=True, highlight=False)
#: Files larger than this get a progress display on stderr.
PROGRESS_BYTES = 1 << 20
SHOWN_ERRORS = 20


def load(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="A .csv, .xlsx (active sheet), .jsonl or .json (export) file."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Load the valid rows and report the others."
    ),
    maps: list[str] = typer.Option(
        [], "--map", help='"Source Header=column" (repeatable): the column a header is.'
    ),
    map_file: Path | None = typer.Option(
        None, "--map-file", help="A TOML file of [columns] and ignore (docs/crm-files.md)."
    ),
    ignored: list[str] = typer.Option(
        [], "--ignore-column", help="A column of the file not to load (repeatable)."
    ),
    delimiter: str | None = typer.Option(
        None, "--delimiter", help="comma, semicolon or tab (default: detected)."
    ),
    encoding: str | None = typer.Option(
        None, "--encoding", help="utf-8, utf-16, cp1252, latin-1, … (default: detected)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the columns, format and first rows; write nothing."
    ),
) -> None:
    """Load accounts into the builtin CRM; an id already stored is updated. A file with
    invalid rows loads nothing. Headers as exports write them are understood
    (docs/crm-files.md)."""
    state = context(ctx)
    builtin_only(state, "crm load", "load the file into {crm} itself")
    read = read_options(
        maps=maps, map_file=map_file, ignored=ignored, encoding=encoding, delimiter=delimiter
    )
    if dry_run:
        preview = preview_file(state.store, state.connection_id, file, read=read)
        typer.echo("\n".join(preview_lines(file, preview, skip_invalid=skip_invalid)))
        if preview.errors and not skip_invalid:
            raise typer.Exit(EXIT_USAGE)
        return
    with _progress(file) as advance:
        result = load_file(
            state.store,
            state.connection_id,
            file,
            skip_invalid=skip_invalid,
            started_by=started_by("cli"),
            progress=advance,
            read=read,
        )
    _report(file, result)


def _report(file: Path, result: LoadResult) -> None:
    if result.report.file_format:
        _stderr.print(f"{escape(file.name)}: {escape(result.report.file_format)}")
    for error in result.errors[:SHOWN_ERRORS]:
        _stderr.print(f"[yellow]skipped:[/] {escape(str(error))}")
    if len(result.errors) > SHOWN_ERRORS:
        _stderr.print(f"… and {len(result.errors) - SHOWN_ERRORS} more")
    if result.errors:
        _stderr.print(f"every invalid value: listbridge runs show {result.run_id}")
    typer.echo(
        f"loaded {file.name}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.invalid} invalid (run {result.run_id})"
    )


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[int], None] | None]:
    if not file.is_file() or file.stat().st_size < PROGRESS_BYTES:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}: {task.completed:,} rows"))
    with Progress(*columns, TimeElapsedColumn(), console=_stderr, transient=True) as bar:
        task = bar.add_task(f"loading {file.name}", total=None)
        yield lambda rows: bar.advance(task, rows)
