"""`listbridge sync full`: import, push, list sync and unsubscribes as one run."""

from __future__ import annotations

import json
from typing import Any

import typer

from listbridge.cli.context import context
from listbridge.cli.full_preview import preview_json, preview_lines
from listbridge.cli.render import error_json
from listbridge.core.setting_values import Direction
from listbridge.core.settings import PUSH_DIRECTION
from listbridge.store.settings import effective_settings
from listbridge.sync.full import STEPS, FullSyncRequest, FullSyncResult, full_sync
from listbridge.sync.full_preview import preview_full_sync

app = typer.Typer(no_args_is_help=True, help="Every sync job in order, as one run.")


@app.command("full")
def full(
    ctx: typer.Context,
    direction: Direction | None = typer.Option(
        None, "--direction", help="crm_to_cc, cc_to_crm or both (default: push.direction)."
    ),
    confirm: bool = typer.Option(
        False, "--confirm", help="Proceed past the blast-radius guard (sync.guard_*)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what each step would do; write nothing, record no run."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Unsubscribes, import, push and list sync, in that order, under one lock and one run."""
    state = context(ctx)
    chosen = direction or effective_settings(state.store, state.connection_id).get(PUSH_DIRECTION)
    if dry_run:
        preview = preview_full_sync(state.start(_say), FullSyncRequest(chosen, confirm))
        shown = json.dumps(preview_json(preview), indent=2)
        typer.echo(shown if as_json else "\n".join(preview_lines(preview)))
        return
    result = full_sync(state.start(_say), FullSyncRequest(chosen, confirm))
    if as_json:
        typer.echo(json.dumps(result_json(result), indent=2))
        return
    typer.echo(f"full sync run {result.run_id} {result.status.value}, direction {chosen.value}:")
    for step in STEPS:
        if step in result.steps:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(result.steps[step].items()) if v)
            typer.echo(f"  {step}: {counts or 'nothing to do'}")
        else:
            typer.echo(f"  {step}: not run (direction {chosen.value})")
    for error in result.errors:
        typer.echo(f"  {error.account_id or error.cc_contact_id} {error.email}: {error.reason}")


def result_json(result: FullSyncResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "status": result.status.value,
        "direction": result.direction,
        "steps": {step: dict(counts) for step, counts in result.steps.items()},
        "errors": [error_json(e) for e in result.errors],
    }


def _say(line: str) -> None:
    typer.echo(line, err=True)
