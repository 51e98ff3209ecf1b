"""`listbridge stats show [--campaign ID] [--format table|csv|xlsx] [--out FILE]`: the
campaign results the last pulls stored, read from the store alone (works offline).

Registered by cli/stats.py as `stats_app.command("show")(show)`. Without --campaign, one
row per campaign; with it, one row per account the campaign reached, and the contacts
linked to no account apart. Every format renders the same core/stats_table.py table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from listbridge.cli.context import CliContext, context
from listbridge.cli.stats_export import write_csv, write_xlsx
from listbridge.core.campaign_rows import CampaignDetail, RecipientRow
from listbridge.core.campaign_stats import BOUNCE_NAMES
from listbridge.core.errors import UserError
from listbridge.core.stats_table import (
    RECIPIENT_COLUMNS,
    Cell,
    Column,
    Kind,
    Table,
    campaign_table,
    recipient_cells,
    recipient_table,
)
from listbridge.store.campaign_reads import campaign_detail, campaign_rows


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"


def show(
    ctx: typer.Context,
    campaign: str | None = typer.Option(
        None, "--campaign", metavar="ID", help="One campaign's results, account by account."
    ),
    output_format: Format = typer.Option(Format.TABLE, "--format", help="table, csv or xlsx."),
    out: Path | None = typer.Option(
        None, "--out", metavar="FILE", help="Write to this file (needed for xlsx)."
    ),
) -> None:
    """Campaign results: every campaign's counters, or one campaign's recipients."""
    if output_format is Format.XLSX and out is None:
        raise UserError("--format xlsx writes a workbook, not text: add --out FILE.xlsx")
    state = context(ctx)
    detail = _detail(state, campaign) if campaign is not None else None
    if detail is None:
        with state.store.session() as session:
            table = campaign_table(campaign_rows(session, state.connection_id))
    else:
        table = recipient_table(detail)
    if output_format is Format.TABLE:
        _print(table, detail, out)
    elif output_format is Format.CSV:
        write_csv(table, out)
    else:
        assert out is not None
        write_xlsx(table, out, "recipients" if detail else "campaigns")
    if out is not None:
        what = "recipient" if detail else "campaign"
        typer.echo(f"wrote {len(table.rows)} {what} row(s) to {out}", err=True)


def _detail(state: CliContext, campaign: str) -> CampaignDetail:
    with state.store.session() as session:
        found = campaign_detail(session, state.connection_id, campaign)
    if found is None:
        raise UserError(
            f"no campaign with id {campaign!r} in the results pulled for connection "
            f"{state.connection!r} (`listbridge stats show` lists them)"
        )
    return found


def _print(table: Table, detail: CampaignDetail | None, out: Path | None) -> None:
    if out is None:
        _render(Console(highlight=False, markup=False), table, detail)
        return
    try:
        with out.open("w", encoding="utf-8") as file:
            _render(Console(file=file, width=200, highlight=False, markup=False), table, detail)
    except OSError as error:
        raise UserError(f"cannot write the table to {out}: {error.strerror}") from None


def _render(console: Console, table: Table, detail: CampaignDetail | None) -> None:
    if detail is None:
        if table.rows:
            console.print(_rich(table, "campaigns, newest sent first"))
        else:
            console.print("no campaign results pulled yet: `listbridge stats pull` reads them")
        return
    _render_detail(console, detail)


def _render_detail(console: Console, detail: CampaignDetail) -> None:
    campaign = detail.campaign
    c = campaign.counters
    console.print(f"{campaign.name}  ({campaign.campaign_id})")
    console.print(
        f"sent {_text(Kind.TIME, campaign.sent_at) or 'at an unknown time'}: "
        f"{c.sends} sends, {c.opens} opened ({c.open_rate}%), {c.clicks} clicked "
        f"({c.click_rate}%), {c.forwards} forwarded, {c.bounces} bounced, {c.optouts} opted out"
    )
    accounts = Table(RECIPIENT_COLUMNS, [recipient_cells(row) for row in detail.accounts])
    console.print(_rich(accounts, "accounts") if detail.accounts else "no account reached")
    if detail.unlinked:
        console.print(_rich(_unlinked(detail.unlinked), "not linked to an account"))


def _unlinked(rows: list[RecipientRow]) -> Table:
    """The contacts with no account: their contact id first, no account column."""
    columns = (RECIPIENT_COLUMNS[-1], *RECIPIENT_COLUMNS[1:-1])
    cells = [recipient_cells(row) for row in rows]
    return Table(columns, [(cell[-1], *cell[1:-1]) for cell in cells])


def _rich(table: Table, title: str) -> RichTable:
    shown = RichTable(title=f"{title} ({len(table.rows)})", title_justify="left")
    for column in table.columns:
        numeric = column.kind in (Kind.COUNT, Kind.PERCENT)
        # numbers and dates never wrap; a narrow terminal folds the text columns instead
        shown.add_column(
            column.name,
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=column.kind is not Kind.TEXT,
        )
    for row in table.rows:
        shown.add_row(
            *(_shown(column, cell) for column, cell in zip(table.columns, row, strict=True))
        )
    return shown


def _shown(column: Column, cell: Cell) -> str:
    if column.name == "bounced" and cell:
        return f"{cell} ({BOUNCE_NAMES.get(str(cell), 'unknown code')})"
    if column.name == "links":
        return str(cell).replace(" ", "\n")  # one clicked link a line
    return _text(column.kind, cell)


def _text(kind: Kind, cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if kind is Kind.PERCENT:
        return f"{cell}%"
    return str(cell)
