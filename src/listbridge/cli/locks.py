"""`listbridge locks …`: which job holds which connection, and freeing a dead holder's lock."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.store.lock_admin import ConnectionLease, Released, list_leases, release_lock
from listbridge.store.locks import format_moment

app = typer.Typer(no_args_is_help=True, help="Connection locks: who holds them, freeing them.")


@app.command("ls")
def ls(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON array of locks."),
) -> None:
    """Every held lock, of every connection."""
    leases = list_leases(context(ctx).store)
    if as_json:
        typer.echo(json.dumps([_lease_json(held) for held in leases], indent=2))
        return
    if not leases:
        typer.echo("no connection is locked")
        return
    table = Table("connection", "holder", "since", "last heartbeat", "expires", "state")
    for held in leases:
        lease = held.lease
        table.add_row(
            held.connection,
            lease.describe(),
            format_moment(lease.acquired_at),
            format_moment(lease.heartbeat_at),
            format_moment(lease.expires_at),
            "holder gone" if held.stale else "live",
        )
    Console(highlight=False, markup=False).print(table)


def _lease_json(held: ConnectionLease) -> dict[str, Any]:
    lease = held.lease
    return {
        "connection": held.connection,
        "holder": lease.holder,
        "run_id": lease.run_id,
        "acquired_at": lease.acquired_at.isoformat(),
        "heartbeat_at": lease.heartbeat_at.isoformat(),
        "expires_at": lease.expires_at.isoformat(),
        "stale": held.stale,
    }


@app.command("release")
def release(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="The connection whose lock to free."),
    force: bool = typer.Option(
        False, "--force", help="Free it even though its holder still renews it."
    ),
) -> None:
    """Free a lock whose holder is gone (an expired one needs no --force)."""
    outcome = release_lock(context(ctx).store, connection, force=force)
    if outcome.released is Released.NOTHING or outcome.lease is None:
        typer.echo(f"connection {connection!r} holds no lock")
        return
    held_by = f"of connection {connection!r}, held by {outcome.lease.describe()}"
    if outcome.released is Released.STALE:
        typer.echo(f"released the lock {held_by} (its holder is gone: lapsed or no longer running)")
    else:
        typer.echo(f"released the live lock (forced) {held_by}")
