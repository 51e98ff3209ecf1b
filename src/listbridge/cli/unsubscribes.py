"""`listbridge unsubscribes sync | report`: opt-outs kept in step, and where they differ."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import typer

from listbridge.cli.context import context
from listbridge.cli.render import error_json
from listbridge.core.spreadsheet import safe_row
from listbridge.sync.unsubscribes import (
    COLUMNS,
    UnsubscribeResult,
    mismatch_report,
    reconcile_unsubscribes,
    rows,
)

app = typer.Typer(no_args_is_help=True, help="Unsubscribes kept in step both ways.")


@app.command("sync")
def sync(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    confirm: bool = typer.Option(
        False, "--confirm", help="Proceed past the blast-radius guard (sync.guard_count)."
    ),
) -> None:
    """Reconcile opt-outs between the CRM and Constant Contact, per the unsubscribe.* settings."""
    state = context(ctx)
    result = reconcile_unsubscribes(state.start(), confirm=confirm)
    if as_json:
        typer.echo(json.dumps(result_json(result), indent=2))
        return
    typer.echo(
        f"unsubscribes run {result.run_id} {result.status.value}: "
        f"{result.count('crm_opted_out')} opted out in the CRM, "
        f"{result.count('crm_opt_out_cleared')} CRM opt-outs cleared, "
        f"{result.count('cc_unsubscribed')} unsubscribed in Constant Contact, "
        f"{result.count('cc_resubscribe_requested')} asked to resubscribe"
    )
    for error in result.errors:
        typer.echo(f"  {error.account_id} / {error.cc_contact_id} {error.email}: {error.reason}")


def result_json(result: UnsubscribeResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "crm_opted_out": result.count("crm_opted_out"),
        "crm_opt_out_cleared": result.count("crm_opt_out_cleared"),
        "cc_unsubscribed": result.count("cc_unsubscribed"),
        "cc_resubscribe_requested": result.count("cc_resubscribe_requested"),
        "reported": result.count("reported"),
        "errors": [error_json(e) for e in result.errors],
    }


@app.command("report")
def report(
    ctx: typer.Context,
    csv_file: Path | None = typer.Option(None, "--csv", help="Write the report to this CSV file."),
) -> None:
    """Linked pairs whose consent differs: which side changed when, what the next sync does."""
    state = context(ctx)
    found = list(rows(mismatch_report(state.store, state.connection_id)))
    if csv_file is not None:
        with csv_file.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(map(safe_row, found))  # an account id may look like a formula
        typer.echo(f"{len(found)} pairs whose consent differs, written to {csv_file}")
        return
    for row in found:
        typer.echo(
            f"{row['account_id']}  {row['email']}  CRM {row['crm']} ({row['crm_changed_at']}), "
            f"CC {row['constant_contact']} {row['opt_out_source']} ({row['cc_changed_at']})"
            f" → next sync: {row['next_sync']}: {row['why']}"
        )
    typer.echo(f"{len(found)} pairs whose consent differs")
