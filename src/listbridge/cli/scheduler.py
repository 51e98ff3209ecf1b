"""`listbridge scheduler`: run every registered schedule in this process until stopped."""

from __future__ import annotations

import threading

import typer

from listbridge.cli.context import context
from listbridge.store.schedule_state import SYNC_OFF, sync_enabled


def scheduler(
    ctx: typer.Context,
    run_for: float | None = typer.Option(
        None, "--for", metavar="SECONDS", help="Stop after this long (default: until Ctrl-C)."
    ),
) -> None:
    """Run the scheduled jobs (unsubscribe reconciliation, …) for every connection."""
    # The jobs (and their HTTP stack) load only for this command.
    from listbridge.cli.schedules import default_registry
    from listbridge.runner.scheduler import Scheduler

    state = context(ctx)
    runner = Scheduler(state.store, default_registry(), say_to=typer.echo)
    for slot in runner.start():
        # Planned all the same: switching sync.enabled back on needs no restart.
        off = (
            "" if sync_enabled(state.store, slot.connection_id) else f" (skipped while {SYNC_OFF})"
        )
        typer.echo(
            f"{slot.label}: {slot.when}, first at {slot.first.isoformat(timespec='seconds')}" + off
        )
    try:
        threading.Event().wait(run_for)
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        runner.shutdown()
