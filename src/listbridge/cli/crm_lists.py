"""`listbridge crm lists …`: the CRM's own lists, as a CRM user keeps them (the builtin
CRM's lists, CiviCRM's groups, Vtiger's campaigns: through the CRM protocol).

A CRM list paired with a Constant Contact list is changed by `listbridge lists …`; these
commands manage the CRM side alone, e.g. a group that `lists bind NAME --crm-list X`
reads. Every change is journaled like any other CRM write.
"""

from __future__ import annotations

import typer

from listbridge.cli.context import context
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists

app = typer.Typer(no_args_is_help=True, help="The CRM's own lists (groups).")
REASON = "crm lists (by hand)"


def _crm(ctx: typer.Context) -> CrmWithLists:
    state = context(ctx)
    return open_crm(state.store, state.connection_id)


@app.command("ls")
def ls(ctx: typer.Context) -> None:
    """Every CRM list with its number of members."""
    crm = _crm(ctx)
    names = crm.lists()
    if not names:  # an empty answer would look like a failure
        typer.echo("no CRM lists yet; create one with `listbridge crm lists create NAME`")
    for name in names:
        typer.echo(f"{name}\t{sum(1 for _ in crm.list_members(name))} members")


@app.command("create")
def create(ctx: typer.Context, name: str) -> None:
    """A new, empty CRM list."""
    _crm(ctx).create_list(name, reason=REASON)
    typer.echo(f"CRM list {name!r} created")


@app.command("add")
def add(
    ctx: typer.Context,
    name: str,
    account: list[str] = typer.Option(..., "--account", help="A CRM account id (repeatable)."),
) -> None:
    """Put accounts on the CRM list (the CRM side only)."""
    added = _crm(ctx).add_to_list(name, account, reason=REASON)
    typer.echo(f"{added} added to CRM list {name!r}")


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: str,
    account: list[str] = typer.Option(..., "--account", help="A CRM account id (repeatable)."),
) -> None:
    """Take accounts off the CRM list (the CRM side only)."""
    removed = _crm(ctx).remove_from_list(name, account, reason=REASON)
    typer.echo(f"{removed} removed from CRM list {name!r}")
