"""`listbridge stats pull | show`: campaign results pulled into the store, and shown."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from listbridge.cli.context import context
from listbridge.cli.render import error_json
from listbridge.cli.stats_show import show
from listbridge.sync.stats import StatsResult, pull_stats
from listbridge.sync.stats.job import COUNTS

app = typer.Typer(no_args_is_help=True, help="Campaign results: pulled, shown, exported.")


@app.command("pull")
def pull(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Pull the results of campaigns sent to this connection's lists (what is new only)."""
    state = context(ctx)
    console = Console(stderr=True)
    with console.status("pulling campaign results…") as status:
        result = pull_stats(state.start(progress=lambda message: status.update(message)))
    if as_json:
        typer.echo(json.dumps(result_json(result), indent=2))
        return
    typer.echo(
        f"stats run {result.run_id} {result.status.value}: "
        f"{result.count('campaigns')} campaign(s) pulled ({result.count('new_campaigns')} new), "
        f"{result.count('events')} new tracking rows, "
        f"{result.count('unlinked_contacts')} contact(s) linked to no account, "
        f"{result.count('hard_bounces_flagged')} hard bounce(s) flagged"
    )
    for note in result.notes:
        typer.echo(f"  note: {note}")
    for error in result.errors:
        who = error.account_id or error.cc_contact_id
        typer.echo(f"  {who} {error.email}: {error.reason}")


def result_json(result: StatsResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "status": result.status.value,
        **{key: result.count(key) for key in COUNTS},
        "notes": result.notes,
        "errors": [error_json(e) for e in result.errors],
    }


app.command("show")(show)  # cli/stats_show.py
