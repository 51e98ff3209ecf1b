"""The `listbridge` command: global options, and the command groups wired in."""

from __future__ import annotations

import sys

import typer

from listbridge import __version__
from listbridge.cli.context import CliContext
from listbridge.cli.errors import ErrorMappingGroup, quiet_stdout
from listbridge.cli.lazy import Lazy, lazy_group
from listbridge.config import DATABASE_URL_ENV, DEFAULT_DATABASE_URL, process_config
from listbridge.crash_points import arm

#: every command, in the order `--help` lists them; each imported when it runs (lazy.py)
COMMANDS = {
    "demo": Lazy("listbridge.cli.demo", "demo"),
    "emulator": Lazy("listbridge.cli.emulator", "emulator"),
    "connect": Lazy("listbridge.cli.connect", "connect"),
    "disconnect": Lazy("listbridge.cli.connect", "disconnect"),
    "status": Lazy("listbridge.cli.status", "status"),
    "import": Lazy("listbridge.cli.importer", "import_contacts"),
    "push": Lazy("listbridge.cli.push", "push"),
    "scheduler": Lazy("listbridge.cli.scheduler", "scheduler"),
    "worker": Lazy("listbridge.cli.worker", "worker"),
    "serve": Lazy("listbridge.cli.serve", "serve"),
    "crm": Lazy("listbridge.cli.crm", "app", group=True),
    "settings": Lazy("listbridge.cli.settings", "app", group=True),
    "runs": Lazy("listbridge.cli.runs", "app", group=True),
    "db": Lazy("listbridge.cli.db", "app", group=True),
    "locks": Lazy("listbridge.cli.locks", "app", group=True),
    "secrets": Lazy("listbridge.cli.secrets", "app", group=True),
    "lists": Lazy("listbridge.cli.lists", "app", group=True),
    "unsubscribes": Lazy("listbridge.cli.unsubscribes", "app", group=True),
    "stats": Lazy("listbridge.cli.stats", "app", group=True),
    "sync": Lazy("listbridge.cli.sync_full", "app", group=True),
    "users": Lazy("listbridge.cli.users", "users_app", group=True),
    "groups": Lazy("listbridge.cli.users", "groups_app", group=True),
}


app = typer.Typer(
    cls=lazy_group(COMMANDS, ErrorMappingGroup),
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


def main() -> None:
    try:
        app(prog_name="listbridge")
    finally:
        # What is still buffered is flushed at exit; a reader gone by then is no failure.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_stdout()
