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
from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from listbridge.cli.context import CliContext, context
from listbridge.cli.stats_export import write_csv, write_xlsx
from listbridge.core.campaign_rows import CampaignDetail, RecipientRow
from listbridge.core.campaign_stats import BOUNCE_NAMES, is_hard_bounce
from listbridge.core.errors import UserError
from listbridge.core.stats_table import (
    Cell,
    Kind,
    Table,
    campaign_table,
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
            console.print(_campaigns(table))
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
    if detail.accounts:
        console.print(_recipients(detail.accounts, "accounts", "account"))
    else:
        console.print("no account reached")
    if detail.unlinked:
        console.print(_recipients(detail.unlinked, "not linked to an account", "contact"))


def _recipients(rows: list[RecipientRow], title: str, who: str) -> RichTable:
    """One line a recipient, their clicked links under their address: what fits a
    terminal of 80 columns (CSV and Excel have every column)."""
    shown = RichTable(
        title=f"{title} ({len(rows)})", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    shown.add_column(who, overflow="fold", max_width=16)
    shown.add_column("email, clicked links", overflow="fold", ratio=1)
    for label in ("opens", "clicks", "fwd", "opted out", "bounced"):
        shown.add_column(label, justify="right", no_wrap=True)
    codes = sorted({row.result.bounce_code for row in rows if row.result.bounce_code})
    if codes:  # the codes' meaning once, below the table
        meaning = (f"{c} {BOUNCE_NAMES.get(c, 'unknown code')} ({_kind(c)})" for c in codes)
        shown.caption, shown.caption_justify = "bounced: " + "; ".join(meaning), "left"
    for row in rows:
        result = row.result
        opted_out = result.opted_out_at
        shown.add_row(
            row.account_id or row.cc_contact_id,
            "\n".join([row.email, *(f"  {link}" for link in result.links)]),
            str(result.opens),
            str(result.clicks),
            str(result.forwards),
            opted_out.astimezone(UTC).strftime("%Y-%m-%d") if opted_out else "",
            _bounce(result.bounce_code),
        )
    return shown


def _bounce(code: str) -> str:
    if not code:
        return ""
    return f"{code} {_kind(code)}"


def _kind(code: str) -> str:
    return "hard" if is_hard_bounce(code) else "soft"


#: what the campaigns table shows of each row (CSV and Excel have every column): what fits
#: a terminal of 80 columns, the id under the name for `stats show --campaign ID`
COMPACT = {
    "sent": "sent",
    "sends": "sends",
    "open_rate": "open",
    "click_rate": "click",
    "bounces": "bounce",
    "optouts": "opt-out",
}


def _campaigns(table: Table) -> RichTable:
    shown = RichTable(
        title=f"campaigns, newest sent first ({len(table.rows)})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption="open: of those delivered; click: of those who opened",
        caption_justify="left",
    )
    shown.add_column("campaign", overflow="fold", ratio=1)
    for label in COMPACT.values():
        shown.add_column(label, justify="right", no_wrap=True)
    at = {column.name: n for n, column in enumerate(table.columns)}
    for row in table.rows:
        name = f"{row[at['name']]}\n{row[at['campaign_id']]}"
        sent = row[at["sent"]]
        cells = [_text(table.columns[at[key]].kind, row[at[key]]) for key in COMPACT]
        cells[0] = sent.astimezone(UTC).strftime("%Y-%m-%d") if isinstance(sent, datetime) else ""
        shown.add_row(name, *cells)
    return shown


def _text(kind: Kind, cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if kind is Kind.PERCENT:
        return f"{cell}%"
    return str(cell)
