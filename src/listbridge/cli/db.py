"""`listbridge db …`: the state store's schema."""

from __future__ import annotations

import typer

from listbridge.cli.context import context
from listbridge.store.db import open_store
from listbridge.store.migrate import current_revision, head_revision, upgrade

app = typer.Typer(no_args_is_help=True, help="The state store's schema.")


@app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (also done automatically on first use)."""
    state = context(ctx)
    store = open_store(state.db_url, migrate=False, config=state.config)
    try:
        applied = upgrade(store.engine)
        revision = current_revision(store.engine)
        verb = "upgraded to" if applied else "already at"
        typer.echo(f"database {verb} revision {revision} (head {head_revision(store.engine)})")
    finally:
        store.close()
