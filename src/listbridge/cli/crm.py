"""`listbridge crm …`: the connection's CRM (`crm use`), its accounts, lists and fields.

`show`, `export`, `fields ls`, `lists` and `duplicates` go through the CRM protocol and
work on every CRM; `load`, `delete`, `fields add` and `export --include-deleted` are the
builtin CRM's own and say so, exit 2, on another one."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from listbridge.cli import crm_check, crm_duplicates, crm_use
from listbridge.cli.account_campaigns import campaign_lines
from listbridge.cli.account_cc import cc_lines
from listbridge.cli.context import CliContext, context
from listbridge.cli.crm_lists import app as crm_lists_app
from listbridge.cli.crm_load_preview import preview_lines
from listbridge.cli.errors import EXIT_USAGE
from listbridge.core.accounts import FieldType
from listbridge.core.values import format_timestamp
from listbridge.crm.account_card import account_card
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.export import export_accounts
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.builtin.load import LoadResult, load_file
from listbridge.crm.builtin.load_options import read_options
from listbridge.crm.builtin.preview import preview_file
from listbridge.crm.builtin.render import account_lines, history_lines, list_lines
from listbridge.crm.export import ExportFormat, export_crm
from listbridge.crm.factory import crm_for
from listbridge.crm.presets import LABELS
from listbridge.store.crm_choice import CrmKind, load_crm_choice
from listbridge.store.runs import started_by

app = typer.Typer(
    no_args_is_help=True,
    help="The connection's CRM: use, check, load, export, fields, lists, show, delete, duplicates.",
)
fields_app = typer.Typer(no_args_is_help=True, help="Custom fields of the CRM.")
app.command("use")(crm_use.use)
app.command("check")(crm_check.check)
app.add_typer(fields_app, name="fields")
app.add_typer(crm_lists_app, name="lists")
_stderr = Console(stderr=True, highlight=False)
#: Files larger than this get a progress display on stderr.
PROGRESS_BYTES = 1 << 20
SHOWN_ERRORS = 20
DELETE_REASON = "crm delete (by hand)"


@app.command("load")
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
    crm_use.builtin_only(state, "crm load", "load the file into {crm} itself")
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


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="csv or json."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    include_deleted: bool = typer.Option(
        False,
        "--include-deleted",
        help="Also accounts `crm delete` marked (a last column, deleted).",
    ),
) -> None:
    """Every account with every column (custom fields as custom.<Name>)."""
    state = context(ctx)
    write = _exporter(state, fmt, include_deleted)
    if out is None:
        write(sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        count = write(handle)
    _stderr.print(f"wrote {count} account(s) to {escape(str(out))}")


def _exporter(
    state: CliContext, fmt: ExportFormat, include_deleted: bool
) -> Callable[[TextIO], int]:
    """The builtin CRM's export (id order, deleted accounts on demand), else the protocol's."""
    store, connection_id = state.store, state.connection_id
    choice = load_crm_choice(store, connection_id)
    if choice.kind is CrmKind.BUILTIN:
        return partial(
            export_accounts, store, connection_id, fmt=fmt, include_deleted=include_deleted
        )
    if include_deleted:
        crm_use.builtin_only(
            state, "--include-deleted", "look for deleted contacts in {crm} itself"
        )
    return partial(export_crm, crm_for(store, connection_id, choice), store, connection_id, fmt=fmt)


@app.command("delete")
def delete(
    ctx: typer.Context,
    account_ids: list[str] = typer.Argument(..., metavar="ID", help="Account ids."),
) -> None:
    """Mark accounts deleted: jobs leave them out, and a push applies push.on_crm_delete
    to their contacts. `crm load` of a file with an account's id restores it."""
    state = context(ctx)
    crm_use.builtin_only(state, "crm delete", "delete the contacts in {crm} itself")
    crm = BuiltinCrm(state.store, state.connection_id)
    marked = crm.delete(account_ids, reason=DELETE_REASON)
    already = len(set(account_ids)) - marked
    typer.echo(
        f"{marked} account(s) marked deleted" + (f", {already} already were" if already else "")
    )
    typer.echo(
        "the next push applies push.on_crm_delete to their contacts; "
        "`listbridge crm load` of a file with their ids restores them",
        err=True,
    )


@fields_app.command("add")
def fields_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The field name, as in custom.<Name> columns."),
    type_: FieldType = typer.Option(..., "--type", help="The kind of value."),
    choices: str = typer.Option("", "--choices", help="Comma-separated, for --type choice."),
) -> None:
    """Define a custom field of the builtin CRM before loading a file that uses it."""
    state = context(ctx)
    crm_use.builtin_only(
        state, "crm fields add", "its custom fields are defined in {crm} (and not synced yet)"
    )
    field = add_field(state.store, state.connection_id, name, type_, choices.split(","))
    extra = f" ({', '.join(field.choices)})" if field.choices else ""
    typer.echo(f"custom field {field.name!r} defined: {field.type}{extra}")


@fields_app.command("ls")
def fields_ls(ctx: typer.Context) -> None:
    """The custom fields and their types."""
    state = context(ctx)
    choice = load_crm_choice(state.store, state.connection_id)
    fields = crm_for(state.store, state.connection_id, choice).custom_fields()
    for field in fields:
        extra = f"  {', '.join(field.choices)}" if field.choices else ""
        typer.echo(f"{field.name}\t{field.type}{extra}")
    if not fields and choice.kind is CrmKind.SQL:  # silence would look like a failure
        typer.echo("no custom fields: the mapping maps no custom.<Name> column", err=True)
    elif not fields and choice.kind is not CrmKind.BUILTIN:
        typer.echo(f"no custom fields: {LABELS[choice.kind]}'s are not synced yet", err=True)


@app.command("show")
def show(ctx: typer.Context, account_id: str = typer.Argument(..., metavar="ID")) -> None:
    """One account: its fields, custom values, CRM lists and change history; its
    Constant Contact lists and last push."""
    state = context(ctx)
    card = account_card(state.store, state.connection_id, account_id)
    lists = list_lines(card.crm_lists)
    lines = [*account_lines(card.account), "", *lists, "", *history_lines(card.changes)]
    if card.deleted_at is not None:  # first: whoever reads the rest should know it is out
        lines[:0] = [
            f"DELETED {format_timestamp(card.deleted_at)} (crm load of its id restores it)"
        ]
    # campaign results before the Constant Contact block, which ends the page
    lines += ["", *campaign_lines(card.campaigns)]
    lines += ["", *cc_lines(card.cc)]
    if card.account.cc_contact_id:  # what our jobs did to its contact: the consent history in CC
        lines += [f"  {line}" for line in history_lines(card.cc_changes)]
    typer.echo("\n".join(lines))


app.command("duplicates")(crm_duplicates.duplicates)  # listed after the commands above
