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
from listbridge.sync.imports import (
    ImportPreview,
    ImportRequest,
    ImportResult,
    preview_import,
    run_import,
)

_stderr = Console(stderr=True, highlight=False)
COUNTS = ("attempted", "created", "matched", "not_imported")


def import_contacts(
    ctx: typer.Context,
    lists: list[str] = typer.Option(
        [],
        "--list",
        help="A CC list to import, its exact name (repeatable; no quoting: '*' is the list "
        "named *); default: the import.lists setting.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan, each contact with its reason; change nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Import the contacts of Constant Contact lists into the CRM, without duplicates."""
    state = context(ctx)
    if dry_run:
        preview = preview_import(state.start(), ImportRequest(lists, _progress))
        shown = json.dumps(preview_json(preview), indent=2) if as_json else preview_text(preview)
        typer.echo(shown)
        return
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
    body: dict[str, Any] = {
        "run_id": result.run_id,
        "attempted": result.count("attempted"),
        "created": result.count("created"),
        "matched": result.count("matched"),
        "not_imported": result.count("not_imported"),
        "errors": [error_json(e) for e in result.errors],
    }
    if result.timings:
        body["timings"] = dict(result.timings)
    return body


def preview_json(preview: ImportPreview) -> dict[str, Any]:
    """The dry run's object: the counts a run would make, and every contact's decision."""
    records = []
    for r in preview.records:
        record = {"cc_contact_id": r.cc_contact_id, "email": r.email, "action": r.action}
        if r.account_id is not None:
            record["account_id"] = r.account_id
        records.append({**record, "reason": r.reason})
    return {"dry_run": True, **{k: preview.count(k) for k in COUNTS}, "records": records}


def preview_text(preview: ImportPreview) -> str:
    counts = ", ".join(f"{preview.count(k)} {k.replace('_', ' ')}" for k in COUNTS)
    lines = [f"import dry run (nothing changed): {counts}"]
    if preview.records:
        lines.append("plan:")
        lines += [f"  {n:>8}  {what}" for what, n in sorted(preview.by_reason().items())]
        lines.append("contacts:")
        for r in preview.records:
            to = f" → account {r.account_id}" if r.account_id else ""
            lines.append(f"  {r.action:<6} {r.cc_contact_id} {r.email}{to}: {r.reason}")
    return "\n".join(lines)
