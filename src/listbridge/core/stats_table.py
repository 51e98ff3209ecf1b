"""Campaign results as spreadsheet tables: a header and typed cells, shared by the CSV
and Excel exports of `stats show` (and the web admin's downloads).

A table keeps each cell's type (text, count, rate, time) so that Excel gets numbers
as numbers and dates as dates; `csv_cells` and `sheet_cells` make the final cells, every
text one through `safe_cell`, since campaign names, e-mails and clicked links come from
outside and a cell starting with `=` would run as a formula in whoever's spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from listbridge.core.campaign_rows import CampaignDetail, CampaignRow, RecipientRow
from listbridge.core.spreadsheet import safe_cell
from listbridge.core.values import format_timestamp

Cell = str | int | float | datetime | None
#: a cell as written to a sheet: text made safe, rates as fractions, times naive UTC
SheetCell = str | int | float | datetime | None


class Kind(Enum):
    TEXT = "text"
    COUNT = "count"
    #: a rate in percent (23.5 = 23.5 %), as core Counters give it
    PERCENT = "percent"
    TIME = "time"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    #: a readable width in characters, for sheets
    width: int = 10


def _counts(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, Kind.COUNT) for name in names)


CAMPAIGN_COLUMNS = (
    Column("campaign_id", Kind.TEXT, 38),
    Column("name", Kind.TEXT, 40),
    Column("sent", Kind.TIME, 18),
    *_counts("sends", "opens"),
    Column("open_rate", Kind.PERCENT),
    Column("clicks", Kind.COUNT),
    Column("click_rate", Kind.PERCENT),
    *_counts("forwards", "bounces", "optouts", "abuse", "not_opened", "unlinked"),
)

RECIPIENT_COLUMNS = (
    Column("account_id", Kind.TEXT, 14),
    Column("email", Kind.TEXT, 32),
    *_counts("opens", "clicks"),
    Column("links", Kind.TEXT, 50),
    Column("forwards", Kind.COUNT),
    Column("opted_out", Kind.TIME, 18),
    Column("bounced", Kind.TEXT, 9),
    Column("sent", Kind.TIME, 18),
    Column("cc_contact_id", Kind.TEXT, 38),
)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


def campaign_table(campaigns: Iterable[CampaignRow]) -> Table:
    """One row per campaign, in the order given."""
    return Table(CAMPAIGN_COLUMNS, [_campaign_cells(row) for row in campaigns])


def _campaign_cells(row: CampaignRow) -> tuple[Cell, ...]:
    c = row.counters
    return (
        row.campaign_id,
        row.name,
        row.sent_at,
        c.sends,
        c.opens,
        c.open_rate,
        c.clicks,
        c.click_rate,
        c.forwards,
        c.bounces,
        c.optouts,
        c.abuse,
        c.not_opened,
        row.unlinked,
    )


def recipient_table(detail: CampaignDetail) -> Table:
    """One row per account, then one per contact linked to none (account_id empty)."""
    recipients = [*detail.accounts, *detail.unlinked]
    return Table(RECIPIENT_COLUMNS, [recipient_cells(row) for row in recipients])


def recipient_cells(row: RecipientRow) -> tuple[Cell, ...]:
    result = row.result
    return (
        row.account_id or "",
        row.email,
        result.opens,
        result.clicks,
        # URLs hold no spaces, so one space keeps them apart in a single cell
        " ".join(result.links),
        result.forwards,
        result.opted_out_at,
        result.bounce_code,
        result.sent_at,
        row.cc_contact_id,
    )


def csv_cells(row: Sequence[Cell]) -> list[str]:
    """A row's CSV text: times as ISO 8601 UTC (`…Z`), text never read as a formula."""
    return [
        format_timestamp(cell) if isinstance(cell, datetime) else safe_cell(cell) for cell in row
    ]


def sheet_cells(columns: Sequence[Column], row: Sequence[Cell]) -> list[SheetCell]:
    """A row's Excel values: rates as fractions (shown with a % format), times naive UTC
    (Excel has no time zones), text never read as a formula."""
    return [_sheet_cell(column.kind, cell) for column, cell in zip(columns, row, strict=True)]


def _sheet_cell(kind: Kind, cell: Cell) -> SheetCell:
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell.astimezone(UTC).replace(tzinfo=None)
    if kind is Kind.PERCENT and isinstance(cell, int | float):
        return cell / 100
    if isinstance(cell, int | float):
        return cell
    return safe_cell(cell)
