"""`listbridge status`: connection health, the CRM it syncs, token age, refresh-token idle
expiry, today's API budget, and whether the connection's schedules are paused. Never a
token or a secret (a CRM database's URL shows with its password masked)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import typer

from listbridge.cli.context import context
from listbridge.cli.crm_use import crm_status
from listbridge.core.errors import NotConnectedError
from listbridge.core.tokens import Health
from listbridge.store.db import Store
from listbridge.store.health import ConnectionStatus, connection_status
from listbridge.store.job_queue import LOST, QUEUED, Entry, worker_entries
from listbridge.store.schedule_state import SYNC_OFF, sync_enabled
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import sharing_with


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
    if not offline:
        from listbridge.sync.health import review_health

        box = secret_box(state.store)
        review_health(state.store, state.connection_id, box, datetime.now(UTC))
    shown = _status(state.store, state.connection_id)
    if not offline and shown.health == Health.OK.value:
        try:
            from listbridge.sync.cc_connection import probe  # the HTTP stack, only when used

            probe(state.store, state.connection_id)
        except NotConnectedError as error:
            problem = error
        shown = _status(state.store, state.connection_id)
    crm = crm_status(state.store, state.connection_id)
    enabled = sync_enabled(state.store, state.connection_id)
    runs = next_runs(state.store, state.connection_id) if enabled else []
    shared = sharing_with(state.store, state.connection_id)
    queued = [_queued(entry) for entry in worker_entries(state.store, state.connection_id)]
    _render(shown, as_json, runs, crm, enabled, shared, queued)
    if problem is not None:
        raise problem
    if shown.health != Health.OK.value:
        raise NotConnectedError(shown.reason or shown.health)


def _status(store: Store, connection_id: int) -> ConnectionStatus:
    from listbridge.sync.health import reconnect_hint

    box = secret_box(store)
    policy = store.config.idle_policy
    shown = connection_status(store, connection_id, box, datetime.now(UTC), policy)
    return replace(shown, reconnect_command=reconnect_hint(store, connection_id, box))


def next_runs(store: Store, connection_id: int) -> list[dict[str, str]]:
    """When each scheduled job runs next here (as a scheduler started now would run it)."""
    from listbridge.cli.schedules import default_registry
    from listbridge.runner.scheduler import Scheduler

    slots = Scheduler(store, default_registry()).slots()
    return [
        {"job": s.schedule.name, "when": s.when, "next_at": s.first.isoformat(timespec="seconds")}
        for s in slots
        if s.connection_id == connection_id
    ]


def _queued(entry: Entry) -> dict[str, str | None]:
    """A job waiting for or running on a worker (`listbridge worker`), or released as lost
    until its job next finishes (with the reason), as status shows it. A queued job that
    waits for the connection's lock says so (its reason: whom it waits for, and until when)."""
    started = entry.started_at.isoformat(timespec="seconds") if entry.started_at else None
    released = entry.finished_at if entry.state == LOST else None
    waiting = entry.state == QUEUED and bool(entry.message)
    return {
        "job": entry.job,
        "state": entry.state,
        "origin": entry.origin,
        "enqueued_at": entry.enqueued_at.isoformat(timespec="seconds"),
        "started_at": started,
        "worker": entry.worker or None,
        "released_at": released.isoformat(timespec="seconds") if released else None,
        "reason": entry.message if released or waiting else None,
    }


def _queue_line(job: dict[str, str | None]) -> str:
    if job["state"] == LOST:
        return f"  {job['job']}: released at {job['released_at']}: {job['reason']}"
    if job["state"] == "running":
        return f"  {job['job']}: running on {job['worker']} since {job['started_at']}"
    queued = f"  {job['job']}: queued since {job['enqueued_at']} (by {job['origin']})"
    return f"{queued}, {job['reason']}" if job["reason"] else queued


def _render(
    shown: ConnectionStatus,
    as_json: bool,
    runs: list[dict[str, str]],
    crm: dict[str, str | None],
    enabled: bool,
    shared: list[str],
    queued: list[dict[str, str | None]],
) -> None:
    if as_json:
        extra = {
            "crm": crm,
            "sync_enabled": enabled,
            "next_runs": runs,
            "shares_authorisation_with": shared,
            "worker_jobs": queued,
        }
        typer.echo(json.dumps({**shown.as_json(), **extra}))
        return
    typer.echo(f"connection health: {shown.health}" + _why(shown))
    typer.echo(f"crm: {_crm_line(crm)}")
    if shown.organization_name:
        owner = f"{shown.owner_name} <{shown.owner_email}>"
        typer.echo(f"account: {shown.organization_name} — {owner}")
        typer.echo(f"api: {shown.api_base}, connected {shown.connected_at}")
    if shared:
        names = ", ".join(repr(name) for name in shared)
        typer.echo(f"authorisation: shared with connection {names} (connect --reuse)")
    if shown.token_age_seconds is not None:
        typer.echo(
            f"access token age: {timedelta(seconds=shown.token_age_seconds)}"
            f" (expires {shown.token_expires_at})"
        )
    if shown.refresh_token_idle_expires_at:
        typer.echo(f"refresh token expires if unused until: {shown.refresh_token_idle_expires_at}")
    typer.echo(f"API budget today: {shown.budget_used_today} used, {shown.budget_left_today} left")
    paused = "yes, until reconnected" if shown.schedules_paused else "no"
    typer.echo(f"schedules paused: {paused}")
    if shown.reconnect_command:
        typer.echo(f"to reconnect: {shown.reconnect_command}")
    if shown.reconnect_notice_sent_at:
        typer.echo(f"reconnect notice e-mailed: {shown.reconnect_notice_sent_at}")
    if queued:
        typer.echo("worker jobs (listbridge worker):")
        for job in queued:
            typer.echo(_queue_line(job))
    if not enabled:
        typer.echo(f"sync: disabled ({SYNC_OFF}); the scheduler runs nothing for this connection")
        typer.echo("next runs: none while sync is disabled (commands run by hand still work)")
        return
    typer.echo("sync: enabled")
    typer.echo("next runs (when `listbridge scheduler` or the demo runs):")
    for run in runs:
        typer.echo(f"  {run['job']}: {run['when']}, next at {run['next_at']}")


def _crm_line(crm: dict[str, str | None]) -> str:
    if crm.get("error"):
        return f"{crm['kind']} ({crm['error']})"
    if crm["url"] is None:
        return f"{crm['kind']} (in listbridge's database)"
    return f"{crm['kind']} at {crm['url']}"


def _why(shown: ConnectionStatus) -> str:
    parts = [shown.reason] if shown.reason else []
    if shown.health == Health.NEEDS_RECONNECT.value and shown.health_since:
        parts.append(f"since {shown.health_since}")
    return f" ({'; '.join(parts)})" if parts else ""
