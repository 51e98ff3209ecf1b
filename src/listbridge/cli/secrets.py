"""`listbridge secrets rotate`: re-encrypt stored tokens, client secrets and CRM database URLs
with a new key."""

from __future__ import annotations

import typer

from listbridge.cli.context import context
from listbridge.store.tokens import rotate_secrets

app = typer.Typer(no_args_is_help=True, help="Manage the key that encrypts stored secrets.")


@app.command("rotate")
def rotate(ctx: typer.Context) -> None:
    """Make a new key and re-encrypt every stored secret with it (nothing is printed).

    The database is then compacted (SQLite VACUUM, PostgreSQL VACUUM FULL of the secret
    tables), so no earlier copy of a secret under the old key is left in it."""
    count = rotate_secrets(context(ctx).store)
    typer.echo(f"Re-encrypted {count} secret(s) with a new key.")
