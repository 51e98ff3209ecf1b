"""`listbridge lists …`: the Constant Contact lists (issue 7 adds the other subcommands)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.sync.list_overview import ListOverview, list_overview

app = typer.Typer(no_args_is_help=True, help="Constant Contact lists and their CRM members.")


@app.command("ls")
def ls(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON array of lists."),
) -> None:
    """Every Constant Contact list (refreshed from CC), with its members on both sides."""
    state = context(ctx)
    lists = list_overview(state.store, state.connection_id)
    if as_json:
        typer.echo(json.dumps([_json(lst) for lst in lists], indent=2))
        return
    table = Table("name", "status", "cc_list_id", "crm members", "cc members", "last sync")
    for lst in lists:
        row = _json(lst)
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    Console(highlight=False, markup=False).print(table)


def _json(lst: ListOverview) -> dict[str, Any]:
    return {
        "name": lst.name,
        "status": lst.status,
        "cc_list_id": lst.cc_list_id,
        "crm_members": lst.crm_members,
        "cc_members": lst.cc_members,
        "last_sync": lst.last_sync.isoformat() if lst.last_sync else None,
    }
