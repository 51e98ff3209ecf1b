"""The `listbridge` command: global options, and the command groups wired in."""

from __future__ import annotations

import sys

import typer

from listbridge import __version__
from listbridge.cli import connect as connect_cli
from listbridge.cli import crm, db, demo, locks, runs, settings
from listbridge.cli import emulator as emulator_cli
from listbridge.cli import importer as importer_cli
from listbridge.cli import lists as lists_cli
from listbridge.cli import push as push_cli
from listbridge.cli import scheduler as scheduler_cli
from listbridge.cli import secrets as secrets_cli
from listbridge.cli import serve as serve_cli
from listbridge.cli import stats as stats_cli
from listbridge.cli import status as status_cli
from listbridge.cli import sync_full as sync_full_cli
from listbridge.cli import unsubscribes as unsubscribes_cli
from listbridge.cli import worker as worker_cli
from listbridge.cli.context import CliContext
from listbridge.cli.errors import ErrorMappingGroup, quiet_stdout
from listbridge.cli.users import groups_app, users_app
from listbridge.config import DATABASE_URL_ENV, DEFAULT_DATABASE_URL, process_config
from listbridge.crash_points import arm

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Keep a CRM and a Constant Contact account in step.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"listbridge {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db_url: str | None = typer.Option(
        None,
        "--db",
        help=f"Database URL (default: {DATABASE_URL_ENV}, else {DEFAULT_DATABASE_URL}).",
    ),
    connection: str = typer.Option("default", "--connection", help="Connection name."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    # The environment is read here, once; everything below gets it from the context/store.
    state = CliContext(db_url=db_url, connection=connection, config=process_config())
    arm(state.config.crash_at)  # tests only (LISTBRIDGE_TEST_CRASH_AT)
    ctx.obj = state
    ctx.call_on_close(state.close)


app.add_typer(crm.app, name="crm")
app.add_typer(settings.app, name="settings")
app.add_typer(runs.app, name="runs")
app.add_typer(db.app, name="db")
app.add_typer(locks.app, name="locks")
app.command("demo")(demo.demo)
app.command("emulator")(emulator_cli.emulator)
app.command("connect")(connect_cli.connect)
app.command("disconnect")(connect_cli.disconnect)
app.command("status")(status_cli.status)
app.add_typer(secrets_cli.app, name="secrets")
app.command("import")(importer_cli.import_contacts)
app.add_typer(lists_cli.app, name="lists")
app.command("push")(push_cli.push)
app.add_typer(unsubscribes_cli.app, name="unsubscribes")
app.add_typer(stats_cli.app, name="stats")
app.add_typer(sync_full_cli.app, name="sync")
app.command("scheduler")(scheduler_cli.scheduler)
app.command("worker")(worker_cli.worker)
app.command("serve")(serve_cli.serve)
app.add_typer(users_app, name="users")
app.add_typer(groups_app, name="groups")


def main() -> None:
    try:
        app(prog_name="listbridge")
    finally:
        # What is still buffered is flushed at exit; a reader gone by then is no failure.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_stdout()
