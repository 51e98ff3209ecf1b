"""`listbridge emulator`: serve the Constant Contact v3 emulator."""

from __future__ import annotations

from pathlib import Path

import typer

from listbridge.emulator.config import EmulatorConfig


def emulator(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    state: Path | None = typer.Option(
        None, "--state", help="SQLite file holding the state across restarts."
    ),
    auto_approve: bool = typer.Option(
        False,
        "--auto-approve",
        help="Approve OAuth requests from loopback redirect URIs at once; enables /__emulator__/.",
    ),
    rate_limit: int | None = typer.Option(
        None, "--rate-limit", min=1, help="Requests per second before 429 (default: unlimited)."
    ),
    daily_limit: int | None = typer.Option(
        None, "--daily-limit", min=1, help="Requests per day before 429 (default: unlimited)."
    ),
) -> None:
    """Constant Contact v3 emulator: the API under /v3 and OAuth2 under /oauth2/default/v1."""
    # FastAPI and uvicorn load only for this command, so every other one starts faster.
    from listbridge.emulator.server import describe, serve

    config = EmulatorConfig(
        host=host,
        port=port,
        state_file=state,
        auto_approve=auto_approve,
        rate_limit=rate_limit,
        daily_limit=daily_limit,
    )
    typer.echo(describe(config), err=True)
    serve(config)
