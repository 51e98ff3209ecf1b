"""`listbridge demo`: the embedded default, for a first look."""

from __future__ import annotations

from pathlib import Path

import typer

from listbridge.cli.context import context
from listbridge.crm.builtin.load import load_file
from listbridge.crm.builtin.summary import (
    CrmSummary,
    define_sample_fields,
    sample_path,
    summarize,
)
from listbridge.store.runs import started_by

#: Recreated on every run, so the demo always starts from the same state.
DEMO_DB = Path("listbridge-demo.db")


def demo(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Builtin CRM with sample data (later: in-process emulator and web UI).

    Without --db the demo uses ./listbridge-demo.db, recreated each time; with
    --db it loads the sample into that database (ids already there are updated).
    """
    state = context(ctx)
    if state.db_url is None:
        _remove_demo_db()
        state.db_url = f"sqlite:///{DEMO_DB}"
    define_sample_fields(state.store, state.connection_id)
    result = load_file(
        state.store, state.connection_id, sample_path(), started_by=started_by("demo")
    )
    typer.echo(f"listbridge demo: sample CRM loaded into {state.db_url} (run {result.run_id})")
    typer.echo("\n".join(summary_lines(summarize(state.store, state.connection_id))))
    typer.echo("\n".join(next_steps(state.db_url)))


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


def next_steps(db_url: str) -> list[str]:
    prefix = f"listbridge --db {db_url}"
    return [
        "next steps:",
        f"  {prefix} crm show P0001",
        f"  {prefix} crm fields ls",
        f"  {prefix} crm export --format json --out accounts.json",
        f"  {prefix} runs ls",
    ]
