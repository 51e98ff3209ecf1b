"""`listbridge demo`: the embedded default, for a first look."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from listbridge.cli.context import context
from listbridge.crm.builtin.summary import CrmSummary, summarize
from listbridge.store.db import Store
from listbridge.store.runs import started_by

if TYPE_CHECKING:
    # The emulator, uvicorn and the HTTP stack load only when the demo runs.
    from listbridge.sync.demo import DemoRun

COUNTS = ("attempted", "created", "matched", "not_imported")
#: Recreated on every run, so the demo always starts from the same state.
DEMO_DB = Path("listbridge-demo.db")
#: the administrator `demo --port` signs in
ADMIN = "admin"


def demo(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address of the emulator and the web admin."
    ),
    port: int | None = typer.Option(
        None,
        "--port",
        min=1,
        max=65535,
        help="Serve the web admin on this port after the sync (with the emulator and the "
        "scheduler, as --serve), signed in as `admin` with a printed password, until Ctrl-C.",
    ),
    emulator_port: int = typer.Option(
        0, "--emulator-port", min=0, help="Port of the emulator; 0 takes a free one."
    ),
    serve: bool = typer.Option(
        False, "--serve", help="Keep the emulator running after the import, until Ctrl-C."
    ),
) -> None:
    """Builtin CRM with sample data, an in-process Constant Contact emulator, a first import.

    Without --db the demo uses ./listbridge-demo.db, recreated each time; with
    --db it loads the sample into that database (ids already there are updated).
    The emulator is seeded with a sample audience, the database is connected to it
    (PKCE, approved headlessly) and the import runs; the emulator then sends three
    campaigns and their results are pulled; --serve then keeps it up. --port N also
    serves the web admin at http://HOST:N/ and prints the administrator's sign-in.
    """
    from listbridge.crm.builtin.demo_data import load_sample_crm
    from listbridge.sync.demo import demo_run, refuse_real_connection

    state = context(ctx)
    if state.db_url is None:
        _remove_demo_db()
        state.db_url = f"sqlite:///{DEMO_DB}"
    refuse_real_connection(state.store, state.connection_id)
    result = load_sample_crm(state.store, state.connection_id, started_by=started_by("demo"))
    typer.echo(f"listbridge demo: sample CRM loaded into {state.db_url} (run {result.run_id})")
    typer.echo("\n".join(summary_lines(summarize(state.store, state.connection_id))))
    with demo_run(
        state.store, state.connection_id, host, emulator_port, say=_say, progress=_progress
    ) as run:
        typer.echo("\n".join(run_lines(run)))
        typer.echo("\n".join(next_steps(state.db_url, serving=serve or port is not None)))
        if serve or port is not None:
            typer.echo(f"serving the emulator at {run.emulator_url} (API {run.emulator_url}/v3)")
        if port is not None:
            _serve_admin(state.store, host, port)
        elif serve:
            _serve_with_scheduler(state.store)


def _serve_with_scheduler(store: Store) -> None:
    """Keep the emulator up until Ctrl-C; the scheduled jobs run in-process meanwhile."""
    from listbridge.cli.schedules import default_registry
    from listbridge.runner.scheduler import Scheduler
    from listbridge.sync.demo import wait_until_interrupted

    runner = Scheduler(store, default_registry(), say_to=_say)
    for slot in runner.start():
        _say(f"scheduled {slot.label}: {slot.when}")
    typer.echo("press Ctrl-C to stop", err=True)
    try:
        # Ctrl-C is how a served demo ends, so it is a normal exit, not "Aborted!".
        with contextlib.suppress(KeyboardInterrupt):
            wait_until_interrupted()
    finally:
        runner.shutdown()
    typer.echo("emulator stopped", err=True)


def _serve_admin(store: Store, host: str, port: int) -> None:
    """`--port`: the web admin over the synced sample, with an administrator to sign in as
    (a new password each run: the demo's database is shared with whoever reads the disk)."""
    import secrets

    from listbridge.cli.serve import serve_admin
    from listbridge.store.users import add_user, list_users, set_password

    password = secrets.token_urlsafe(12)
    if any(user.name.lower() == ADMIN for user in list_users(store)):
        set_password(store, ADMIN, password)  # --db reused: the same name, a new password
    else:
        add_user(store, ADMIN, password, admin=True)
    typer.echo(f"web admin: http://{host}:{port}/")
    typer.echo(f"  sign in as {ADMIN!r} with password {password}")
    typer.echo("press Ctrl-C to stop", err=True)
    serve_admin(store, host, port, say=_say)
    typer.echo("web admin and emulator stopped", err=True)


def _say(line: str) -> None:
    typer.echo(f"demo: {line}", err=True)


def _progress(label: str, counts: Counter[str]) -> None:
    _say(f"import {label}: {counts['attempted']} contacts so far")


def run_lines(run: DemoRun) -> list[str]:
    who, imported = run.identity, run.imported
    lines = [
        f"Constant Contact (emulator at {run.emulator_url}): {who.organization_name}",
        f"  account {who.account_id}, owner {who.owner_name} <{who.owner_email}>",
        f"import run {imported.run_id} {imported.status.value}:",
        *(f"  {key.replace('_', ' ') + ':':<16} {imported.count(key)}" for key in COUNTS),
    ]
    for reason, count in sorted(run.not_imported_by_reason().items(), key=lambda p: -p[1]):
        lines.append(f"    {count:>3}  {reason}")
    if imported.errors:
        lines.append(f"  (the report: listbridge runs show {imported.run_id} --errors-csv FILE)")
    stats = run.stats
    lines.append(
        f"campaign results (stats run {stats.run_id} {stats.status.value}): "
        f"{stats.count('campaigns')} campaigns, {stats.count('events')} tracking rows, "
        f"{stats.count('unlinked_contacts')} contacts linked to no account"
    )
    lines.append("lists (as `lists ls` shows them):")
    for lst in run.lists:
        lines.append(
            f"  {lst.name:<12} {lst.cc_members or 0:>3} in Constant Contact, "
            f"{lst.crm_members:>3} linked CRM accounts"
        )
    return lines


def _remove_demo_db() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)


def summary_lines(summary: CrmSummary) -> list[str]:
    types = ", ".join(f"{kind} {count}" for kind, count in summary.by_type.items())
    fields = ", ".join(
        f"{f.name} ({f.type}{': ' + '/'.join(f.choices) if f.choices else ''})"
        for f in summary.custom_fields
    )
    return [
        f"  accounts:        {summary.total} ({types})",
        f"  email opted out: {summary.email_opted_out}",
        f"  deceased:        {summary.deceased}",
        f"  do not contact:  {summary.do_not_contact}",
        f"  role addresses:  {summary.role_addresses} (info@, sales@ …: reported, never imported)",
        f"  shared emails:   {summary.shared_emails} address(es) used by "
        f"{summary.accounts_sharing} accounts",
        f"  custom fields:   {fields or '(none)'}",
    ]


def next_steps(db_url: str, serving: bool = False) -> list[str]:
    prefix = f"listbridge --db {db_url}"
    steps = [
        "next steps:",
        f"  {prefix} crm show P0001",
        f"  {prefix} crm fields ls",
        f"  {prefix} crm export --format json --out accounts.json",
        f"  {prefix} runs ls",
        f"  {prefix} stats show",
    ]
    if serving:
        return [*steps, f"  {prefix} lists ls", f"  {prefix} import"]
    # The emulator lives in this process: commands that reach Constant Contact need it up.
    return [*steps, "  listbridge demo --serve    keeps the emulator up for `lists ls`, `import` …"]
