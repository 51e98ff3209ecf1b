"""`listbridge worker`: a Celery worker that runs the queued jobs (schedules' slots and the
web admin's buttons) on the store of LISTBRIDGE_DATABASE_URL / `--db`."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

import typer

from listbridge.cli.context import context


def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(
        2, "--concurrency", min=1, max=64, help="Jobs this worker runs at once (threads)."
    ),
    run_for: float | None = typer.Option(
        None, "--for", metavar="SECONDS", help="Stop after this long (default: until Ctrl-C)."
    ),
) -> None:
    """Run queued jobs from the Celery broker (LISTBRIDGE_BROKER_URL) until stopped."""
    state = context(ctx)
    # Celery, the jobs and their HTTP stack load only for this command.
    from listbridge.cli.schedules import default_registry
    from listbridge.runner.celery_app import celery_app
    from listbridge.runner.task_names import QUEUE
    from listbridge.runner.tasks import register_tasks
    from listbridge.web.worker_jobs import register_web_task

    app = celery_app(state.config, "listbridge worker")
    store = state.store
    register_tasks(app, store, default_registry())
    register_web_task(app, store)
    # Threads, not forked children: a job shares the worker's store (its connection pool)
    # and its lock records the worker's own pid, which a killed worker takes with it.
    running = app.Worker(
        hostname=f"listbridge-{os.getpid()}@{socket.gethostname()}",
        pool="threads",
        concurrency=concurrency,
        queues=[QUEUE],
        loglevel="INFO",
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
    )
    # a line per job is the worker's log; one per HTTP request drowns it
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if run_for is not None:
        # A warm shutdown, as Ctrl-C: the jobs running finish first.
        stop = threading.Timer(run_for, os.kill, (os.getpid(), signal.SIGTERM))
        stop.daemon = True
        stop.start()
    running.start()
    raise typer.Exit(running.exitcode or 0)
