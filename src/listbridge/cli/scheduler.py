"""`listbridge scheduler`: run every registered schedule in this process until stopped, or
with `--celery` enqueue each due slot for the workers (`listbridge worker`)."""

from __future__ import annotations

import threading

import typer

from listbridge.cli.context import CliContext, context
from listbridge.store.schedule_state import SYNC_OFF, sync_enabled


def scheduler(
    ctx: typer.Context,
    run_for: float | None = typer.Option(
        None, "--for", metavar="SECONDS", help="Stop after this long (default: until Ctrl-C)."
    ),
    celery: bool = typer.Option(
        False,
        "--celery",
        help="Celery beat: enqueue the due jobs for `listbridge worker` (LISTBRIDGE_BROKER_URL) "
        "instead of running them here.",
    ),
    tick: float = typer.Option(
        30.0, "--tick", metavar="SECONDS", min=0.5, help="With --celery: how often to look."
    ),
) -> None:
    """Run the scheduled jobs (unsubscribe reconciliation, …) for every connection."""
    if celery:
        _celery_beat(context(ctx), tick, run_for)
        return
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
    _wait(run_for)
    runner.shutdown()


def _celery_beat(state: CliContext, tick: float, run_for: float | None) -> None:
    from listbridge.runner.beat import start_beat

    state.store  # noqa: B018  (migrated before the workers look at it)
    beat = start_beat(state.config, tick)
    typer.echo(f"enqueuing the due jobs every {tick:g} s for `listbridge worker`")
    _wait(run_for)
    beat.stop()


def _wait(run_for: float | None) -> None:
    try:
        threading.Event().wait(run_for)
    except KeyboardInterrupt:
        typer.echo("stopping")
