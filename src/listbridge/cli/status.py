"""`listbridge status`: connection health, token age, today's API budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import typer

from listbridge.cli.context import context
from listbridge.core.errors import NotConnectedError
from listbridge.core.tokens import Health
from listbridge.store.health import ConnectionStatus, connection_status
from listbridge.store.secretbox import secret_box


def status(
    ctx: typer.Context,
    offline: bool = typer.Option(
        False, "--offline", help="Do not check the authorisation with Constant Contact."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Show the connection's health; exit 4 when it is not connected or needs reconnecting."""
    state = context(ctx)
    problem: NotConnectedError | None = None
    shown = connection_status(
        state.store, state.connection_id, secret_box(state.store.url), datetime.now(UTC)
    )
    if not offline and shown.health == Health.OK.value:
        try:
            from listbridge.sync.cc_connection import probe  # the HTTP stack, only when used

            probe(state.store, state.connection_id)
        except NotConnectedError as error:
            problem = error
        shown = connection_status(
            state.store, state.connection_id, secret_box(state.store.url), datetime.now(UTC)
        )
    _render(shown, as_json)
    if problem is not None:
        raise problem
    if shown.health != Health.OK.value:
        raise NotConnectedError(shown.reason or shown.health)


def _render(shown: ConnectionStatus, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(shown.as_json()))
        return
    typer.echo(
        f"connection health: {shown.health}" + (f" ({shown.reason})" if shown.reason else "")
    )
    if shown.organization_name:
        owner = f"{shown.owner_name} <{shown.owner_email}>"
        typer.echo(f"account: {shown.organization_name} — {owner}")
        typer.echo(f"api: {shown.api_base}, connected {shown.connected_at}")
    if shown.token_age_seconds is not None:
        typer.echo(
            f"access token age: {timedelta(seconds=shown.token_age_seconds)}"
            f" (expires {shown.token_expires_at})"
        )
    typer.echo(f"API budget today: {shown.budget_used_today} used, {shown.budget_left_today} left")
