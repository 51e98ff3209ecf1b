"""`listbridge demo`: the embedded default, for a first look."""

from __future__ import annotations

import typer


def demo(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Builtin CRM with sample data (later: in-process emulator and web UI)."""
    raise typer.Exit(0)
