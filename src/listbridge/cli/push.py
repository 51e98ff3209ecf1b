"""`listbridge push`: CRM accounts onto Constant Contact lists (consent first, bulk, resumable)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from listbridge.cli.context import context
from listbridge.cli.render import error_json
from listbridge.core.errors import UserError
from listbridge.core.push_diff import FieldChange, Value
from listbridge.sync.push import COUNTS, PushRequest, PushResult, run_push

_stderr = Console(stderr=True, highlight=False)


def push(
    ctx: typer.Context,
    lists: list[str] = typer.Option(
        [], "--list", help="A CC list to push to (repeatable); none: update linked contacts."
    ),
    subscription_only: bool = typer.Option(
        False, "--subscription-only", help="Change list memberships only, not contact fields."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan and its API cost; change nothing."
    ),
    diff: bool = typer.Option(
        False, "--diff", help="With --dry-run: each field that would change in CC, old → new."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Push eligible CRM accounts to Constant Contact, never re-subscribing an opt-out."""
    if diff and not dry_run:
        raise UserError("--diff shows what a push would change: use it with --dry-run")
    state = context(ctx)
    request = PushRequest(tuple(lists), subscription_only, dry_run, diff=diff)
    result = run_push(state.start(_progress), request)
    if as_json:
        typer.echo(json.dumps(result_json(result, dry_run, diff), indent=2))
        return
    typer.echo(_summary(result, dry_run))
    if dry_run:
        _print_plan(result)
        if diff:
            _print_diff(result.diff)
    elif result.errors:
        typer.echo(f"the report: listbridge runs show {result.run_id} --errors-csv FILE")


def _summary(result: PushResult, dry_run: bool) -> str:
    head = "push dry run (nothing changed)" if dry_run else f"push run {result.run_id}"
    counts = ", ".join(f"{result.count(k)} {k.replace('_', ' ')}" for k in COUNTS)
    return f"{head} {result.status.value}: {counts}"


def _print_plan(result: PushResult) -> None:
    typer.echo("plan:")
    for what, count in sorted(result.by_reason.items()):
        typer.echo(f"  {count:>8}  {what}")
    if result.calls is not None:
        typer.echo(f"API calls: {result.calls.total}")
        for purpose, count in sorted(result.calls.by_purpose.items()):
            typer.echo(f"  {count:>8}  {purpose}")


def _print_diff(changes: list[FieldChange]) -> None:
    typer.echo(f"diff: {len(changes)} field(s) would change in Constant Contact")
    account = None
    for change in changes:
        if change.account_id != account:
            account = change.account_id
            typer.echo(f"  account {account}")
        typer.echo(f"    {change.field}: {_shown(change.old)} → {_shown(change.new)}")


def _shown(value: Value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(no list)"
    return repr(value)


def _progress(message: str) -> None:
    _stderr.print(f"[dim]push:[/] {escape(message)}")


def result_json(result: PushResult, dry_run: bool = False, diff: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"run_id": result.run_id}
    body.update({key: result.count(key) for key in COUNTS})
    body["errors"] = [error_json(e) for e in result.errors]
    if result.timings:
        body["timings"] = dict(result.timings)
    if dry_run:
        body["dry_run"] = True
        body["plan"] = dict(result.by_reason)
        body["api_calls"] = dict(result.calls.by_purpose) if result.calls else {}
    if diff:
        body["diff"] = [_change_json(c) for c in result.diff]
    return body


def _change_json(change: FieldChange) -> dict[str, Any]:
    """`{account_id, field, old, new}`; lists as arrays of names, no value as null."""

    def value(v: Value) -> str | list[str] | None:
        return list(v) if isinstance(v, tuple) else v

    return {"account_id": change.account_id, "field": change.field,
            "old": value(change.old), "new": value(change.new)}  # fmt: skip
