"""`listbridge import`: Constant Contact contacts into the CRM (the module can't be `import`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from listbridge.cli.context import context
from listbridge.cli.render import error_json
from listbridge.sync.imports import ImportRequest, ImportResult, run_import

_stderr = Console(stderr=True, highlight=False)


def import_contacts(
    ctx: typer.Context,
    lists: list[str] = typer.Option(
        [],
        "--list",
        help="A CC list to import, its exact name (repeatable; no quoting: '*' is the list "
        "named *); default: the import.lists setting.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Import the contacts of Constant Contact lists into the CRM, without duplicates."""
    state = context(ctx)
    result = run_import(state.start(), ImportRequest(lists, _progress))
    if as_json:
        typer.echo(json.dumps(result_json(result), indent=2))
        return
    typer.echo(
        f"import run {result.run_id} {result.status.value}: {result.count('attempted')} attempted, "
        f"{result.count('created')} created, {result.count('matched')} matched, "
        f"{result.count('not_imported')} not imported"
    )
    if result.errors:
        typer.echo(f"the report: listbridge runs show {result.run_id} --errors-csv FILE")


def _progress(label: str, counts: Counter[str]) -> None:
    _stderr.print(
        f"[dim]{escape(label)}:[/] {counts['attempted']} contacts, {counts['created']} created, "
        f"{counts['matched']} matched, {counts['not_imported']} not imported"
    )


def result_json(result: ImportResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "attempted": result.count("attempted"),
        "created": result.count("created"),
        "matched": result.count("matched"),
        "not_imported": result.count("not_imported"),
        "errors": [error_json(e) for e in result.errors],
    }
