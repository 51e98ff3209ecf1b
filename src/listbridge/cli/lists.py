"""`listbridge lists …`: linked lists, their members, and keeping them the same both ways."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.cli.render import error_json
from listbridge.core.list_roster import RosterRow
from listbridge.core.setting_values import Direction
from listbridge.core.settings import PUSH_DIRECTION
from listbridge.store.settings import effective_settings
from listbridge.sync import lists as list_ops
from listbridge.sync.lists import (
    ListAction,
    ListSyncRequest,
    ListSyncResult,
    list_overview,
    list_roster,
    sync_lists,
)

app = typer.Typer(no_args_is_help=True, help="Lists on both sides, kept the same.")

DIRECTION_HELP = "crm_to_cc, cc_to_crm or both (default: the push.direction setting)."


@app.command("ls")
def ls(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON array of lists."),
) -> None:
    """Every linked list (refreshed from CC), with its members on both sides."""
    state = context(ctx)
    lists = list_overview(state.store, state.connection_id)
    if as_json:
        typer.echo(json.dumps([lst.json() for lst in lists], indent=2))
        return
    table = Table("name", "status", "cc_list_id", "crm members", "cc members", "last sync")
    for lst in lists:
        row = lst.json()
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    Console(highlight=False, markup=False).print(table)


@app.command("members")
def members(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The list's name."),
    as_json: bool = typer.Option(False, "--json", help="A JSON array of members."),
) -> None:
    """The list's members on each side, read now: linked, CRM only, CC only, or blocked
    by consent (opted out or unsubscribed, so never on the CC list)."""
    state = context(ctx)
    rows = list_roster(state.start(_say), name)
    if as_json:
        typer.echo(json.dumps([_member_json(r) for r in rows], indent=2, ensure_ascii=False))
        return
    table = Table("account id", "name", "e-mail", "CC contact id", "state")
    for row in rows:
        table.add_row(row.account_id, row.name, row.email, row.cc_contact_id, row.state.label)
    Console(highlight=False, markup=False).print(table)
    if not rows:
        typer.echo(f"nobody is on {name!r} on either side", err=True)


def _member_json(row: RosterRow) -> dict[str, str]:
    return {
        "account_id": row.account_id,
        "cc_contact_id": row.cc_contact_id,
        "email": row.email,
        "name": row.name,
        "state": row.state.value,
    }


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The new list's name (both sides)."),
    hidden: bool = typer.Option(False, "--hidden", help="Keep it out of pickers; it still syncs."),
) -> None:
    """Create the list in Constant Contact and in the CRM, paired."""
    state = context(ctx)
    _said(list_ops.create_list(state.store, state.connection_id, name, hidden=hidden))


@app.command("rename")
def rename(ctx: typer.Context, old: str, new: str) -> None:
    """Rename the list on both sides."""
    state = context(ctx)
    _said(list_ops.rename_list(state.store, state.connection_id, old, new))


@app.command("delete")
def delete(ctx: typer.Context, name: str) -> None:
    """Delete the list on both sides (CC's list_delete activity); contacts and accounts stay."""
    state = context(ctx)
    _said(list_ops.delete_list(state.store, state.connection_id, name))


@app.command("hide")
def hide(
    ctx: typer.Context,
    name: str,
    unhide: bool = typer.Option(False, "--unhide", help="Show it in pickers again."),
) -> None:
    """Leave the list out of pickers (it keeps syncing); ours alone, CC has no such status."""
    state = context(ctx)
    _said(list_ops.hide_list(state.store, state.connection_id, name, not unhide))


@app.command("add")
def add(
    ctx: typer.Context,
    name: str,
    account: list[str] = typer.Option([], "--account", help="A CRM account id (repeatable)."),
    where: str | None = typer.Option(None, "--where", help="A filter (docs/filters.md)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Push accounts onto the list: new ones are created or matched as in push."""
    state = context(ctx)
    done = list_ops.add_members(
        state.store, state.connection_id, name, accounts=account, where=where, progress=_say
    )
    _said(done, as_json)


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: str,
    account: list[str] = typer.Option([], "--account", help="A CRM account id (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Take accounts off the list on both sides (memberships only; nothing is deleted)."""
    state = context(ctx)
    _said(list_ops.remove_members(state.store, state.connection_id, name, account), as_json)


@app.command("bind")
def bind(
    ctx: typer.Context,
    name: str,
    where: str | None = typer.Option(None, "--where", help="A saved filter (docs/filters.md)."),
    crm_list: str | None = typer.Option(
        None, "--crm-list", help="A CRM list, or a checkbox custom field, that fills the list."
    ),
) -> None:
    """Bind the list to a rule: `lists sync` adds who meets it, removes who no longer does."""
    state = context(ctx)
    _said(
        list_ops.bind_list(state.store, state.connection_id, name, where=where, crm_list=crm_list)
    )


@app.command("sync")
def sync(
    ctx: typer.Context,
    names: list[str] = typer.Argument(None, help="Lists to sync (default: all)."),
    direction: Direction | None = typer.Option(None, "--direction", help=DIRECTION_HELP),
    confirm: bool = typer.Option(
        False, "--confirm", help="Proceed past the blast-radius guard (sync.guard_*)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what it would do; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Make each linked list the same on both sides, in the chosen direction."""
    state = context(ctx)
    chosen = direction or effective_settings(state.store, state.connection_id).get(PUSH_DIRECTION)
    request = ListSyncRequest(tuple(names or ()), chosen, confirm, dry_run)
    result = sync_lists(state.start(_say), request)
    if as_json:
        typer.echo(json.dumps(sync_json(result), indent=2))
        return
    typer.echo("\n".join(sync_lines(result)))


def sync_json(result: ListSyncResult) -> dict[str, Any]:
    return {**result.json(), "errors": [error_json(e) for e in result.errors]}


def sync_lines(result: ListSyncResult) -> list[str]:
    head = "lists sync (dry run)" if result.dry_run else f"lists sync run {result.run_id}"
    lines = [f"{head} {result.status.value}, direction {result.direction}:"]
    for o in result.lists:
        what = (
            f"+{o.added_to_cc}/-{o.removed_from_cc} in Constant Contact, "
            f"+{o.added_to_crm}/-{o.removed_from_crm} in the CRM"
        )
        extra = [f"{o.failed_subscriptions} failed subscriptions"] if o.failed_subscriptions else []
        extra += [f"{len(o.conflicts)} conflicts (the removal wins)"] if o.conflicts else []
        extra += [f"renamed to {o.renamed_to!r}"] if o.renamed_to else []
        extra += ["deleted"] if o.deleted else []
        extra += [o.note] if o.note else []
        lines.append(f"  {o.name}: {what}" + (f" ({'; '.join(extra)})" if extra else ""))
    lines += [f"  {e.account_id or e.cc_contact_id} {e.email}: {e.reason}" for e in result.errors]
    return lines


def _said(done: ListAction, as_json: bool = False) -> None:
    if as_json:
        body = {"run_id": done.run_id, "status": done.status.value, **done.counts}
        typer.echo(json.dumps({**body, "errors": [error_json(e) for e in done.errors]}, indent=2))
        return
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in done.counts.items())
    typer.echo(f"lists {done.action} {done.name!r}: run {done.run_id} {done.status.value}"
               + (f" ({counts})" if counts else ""))  # fmt: skip
    for error in done.errors:
        typer.echo(f"  {error.account_id} {error.email}: {error.reason}")


def _say(line: str) -> None:
    typer.echo(line, err=True)
