"""`listbridge crm check [--json]`: the connection's CRM database against what listbridge
expects of it (crm/check/): a line per object found as expected on stdout; every problem
in the error on stderr, exit 2. `--json` prints the same report as one object first."""

from __future__ import annotations

import json

import typer

from listbridge.cli.context import context
from listbridge.crm.check.report import CheckFailedError
from listbridge.crm.check.run import check_crm


def check(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object: found, problems."),
) -> None:
    """Check the CRM's tables, columns, types and a sample of its rows against what
    listbridge reads and writes; exit 2 naming every mismatch."""
    state = context(ctx)
    report = check_crm(state.store, state.connection_id)
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(f"crm check of {report.crm}:")
        typer.echo("\n".join(f"  {line}" for line in report.found))
    if not report.ok:
        raise CheckFailedError(report)
    if not as_json:
        typer.echo("ok: the CRM is as listbridge expects it")
