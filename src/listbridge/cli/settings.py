"""`listbridge settings …`: show and change a connection's settings."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.core.settings import SettingView, views
from listbridge.store.settings import effective_settings, reset_settings, set_settings

app = typer.Typer(no_args_is_help=True, help="Show and change the connection's settings.")


@app.command("show")
def show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object: key → value."),
) -> None:
    """Every setting with its value; a default is marked as such."""
    state = context(ctx)
    shown = views(effective_settings(state.store, state.connection_id))
    if as_json:
        typer.echo(json.dumps({view.key: view.json_value for view in shown}, indent=2))
        return
    Console(highlight=False, markup=False).print(_table(shown))


def _table(shown: list[SettingView]) -> Table:
    table = Table()
    # Keys are what people type back: never cut short, whatever the terminal's width.
    table.add_column("key", no_wrap=True, min_width=max(len(view.key) for view in shown))
    table.add_column("value", overflow="fold")
    table.add_column("source")
    table.add_column("allowed")
    for view in shown:
        source = "default" if view.is_default else "set"
        table.add_row(view.key, view.text or "(empty)", source, view.allowed)
    return table


@app.command("set")
def set_(
    ctx: typer.Context,
    pairs: list[str] = typer.Argument(
        ..., metavar="KEY=VALUE...", help="e.g. notify.email=a@b.org"
    ),
) -> None:
    """Change one or more settings together: any bad pair changes nothing (exit 2)."""
    state = context(ctx)
    changed = {pair.partition("=")[0].strip() for pair in pairs}
    settings = set_settings(state.store, state.connection_id, pairs)
    for view in views(settings):
        if view.key in changed:
            typer.echo(f"{view.key} = {view.text}")


@app.command("reset")
def reset(
    ctx: typer.Context,
    keys: list[str] = typer.Argument(..., metavar="KEY...", help="Keys back to their defaults."),
) -> None:
    """Put settings back to their defaults."""
    state = context(ctx)
    settings = reset_settings(state.store, state.connection_id, keys)
    for view in views(settings):
        if view.key in keys:
            typer.echo(f"{view.key} = {view.text} (default)")
