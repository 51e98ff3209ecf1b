"""`listbridge crm export`, `crm delete` and `crm show`: the CRM's accounts, all of them,
some marked deleted, or one with everything known of it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.markup import escape

from listbridge.cli.account_campaigns import campaign_lines
from listbridge.cli.account_cc import cc_lines
from listbridge.cli.context import CliContext, context
from listbridge.cli.crm_builtin import builtin_only
from listbridge.core.values import format_timestamp
from listbridge.crm.account_card import account_card
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.export import export_accounts
from listbridge.crm.builtin.render import account_lines, history_lines, list_lines
from listbridge.crm.export import ExportFormat, export_crm
from listbridge.crm.factory import crm_for
from listbridge.store.crm_choice import CrmKind, load_crm_choice

_stderr = Console(stderr=True, highlight=False)
DELETE_REASON = "crm delete (by hand)"


def export(
    ctx: typer.Context,
    fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="csv or json."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    include_deleted: bool = typer.Option(
        False,
        "--include-deleted",
        help="Also accounts `crm delete` marked (a last column, deleted).",
    ),
) -> None:
    """Every account with every column (custom fields as custom.<Name>)."""
    state = context(ctx)
    write = _exporter(state, fmt, include_deleted)
    if out is None:
        write(sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        count = write(handle)
    _stderr.print(f"wrote {count} account(s) to {escape(str(out))}")


def _exporter(
    state: CliContext, fmt: ExportFormat, include_deleted: bool
) -> Callable[[TextIO], int]:
    """The builtin CRM's export (id order, deleted accounts on demand), else the protocol's."""
    store, connection_id = state.store, state.connection_id
    choice = load_crm_choice(store, connection_id)
    if choice.kind is CrmKind.BUILTIN:
        return partial(
            export_accounts, store, connection_id, fmt=fmt, include_deleted=include_deleted
        )
    if include_deleted:
        builtin_only(state, "--include-deleted", "look for deleted contacts in {crm} itself")
    return partial(export_crm, crm_for(store, connection_id, choice), store, connection_id, fmt=fmt)


def delete(
    ctx: typer.Context,
    account_ids: list[str] = typer.Argument(..., metavar="ID", help="Account ids."),
) -> None:
    """Mark accounts deleted: jobs leave them out, and a push applies push.on_crm_delete
    to their contacts. `crm load` of a file with an account's id restores it."""
    state = context(ctx)
    builtin_only(state, "crm delete", "delete the contacts in {crm} itself")
    crm = BuiltinCrm(state.store, state.connection_id)
    marked = crm.delete(account_ids, reason=DELETE_REASON)
    already = len(set(account_ids)) - marked
    typer.echo(
        f"{marked} account(s) marked deleted" + (f", {already} already were" if already else "")
    )
    typer.echo(
        "the next push applies push.on_crm_delete to their contacts; "
        "`listbridge crm load` of a file with their ids restores them",
        err=True,
    )


def show(ctx: typer.Context, account_id: str = typer.Argument(..., metavar="ID")) -> None:
    """One account: its fields, custom values, CRM lists and change history; its
    Constant Contact lists and last push."""
    state = context(ctx)
    card = account_card(state.store, state.connection_id, account_id)
    lists = list_lines(card.crm_lists)
    lines = [*account_lines(card.account), "", *lists, "", *history_lines(card.changes)]
    if card.deleted_at is not None:  # first: whoever reads the rest should know it is out
        lines[:0] = [
            f"DELETED {format_timestamp(card.deleted_at)} (crm load of its id restores it)"
        ]
    # campaign results before the Constant Contact block, which ends the page
    lines += ["", *campaign_lines(card.campaigns)]
    lines += ["", *cc_lines(card.cc)]
    if card.account.cc_contact_id:  # what our jobs did to its contact: the consent history in CC
        lines += [f"  {line}" for line in history_lines(card.cc_changes)]
    typer.echo("\n".join(lines))
