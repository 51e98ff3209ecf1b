"""Campaign results as the reports read them back: one row per campaign, one per
recipient, and the columns the dashboard widget may choose and sort by.

The store fills these (store/campaign_reads.py); the CLI, the spreadsheets
(core/stats_table.py) and the web admin render them. They are plain values, so a
report can be built and tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from listbridge.core.campaign_stats import Counters, RecipientResult


@dataclass(frozen=True)
class CampaignRow:
    """One included campaign: its counters as the last pull saw them."""

    campaign_id: str
    name: str
    sent_at: datetime | None
    counters: Counters
    frozen: bool
    pulled_at: datetime | None
    #: distinct contacts with tracking rows but no account: listed apart in the detail
    unlinked: int = 0


@dataclass(frozen=True)
class RecipientRow:
    """What one recipient did with one campaign; `account_id` None: no account."""

    account_id: str | None
    cc_contact_id: str
    email: str
    result: RecipientResult


@dataclass(frozen=True)
class CampaignDetail:
    campaign: CampaignRow
    #: by account id
    accounts: list[RecipientRow] = field(default_factory=list)
    #: contacts linked to no account, by contact id
    unlinked: list[RecipientRow] = field(default_factory=list)


Value = str | int | float | datetime | None

#: what the dashboard widget can show and sort by (recent_campaigns)
RECENT_COLUMNS: dict[str, Callable[[CampaignRow], Value]] = {
    "name": lambda row: row.name,
    "sent_at": lambda row: row.sent_at,
    **{
        counter: attrgetter(f"counters.{counter}")
        for counter in (
            "sends",
            "opens",
            "open_rate",
            "clicks",
            "click_rate",
            "forwards",
            "optouts",
            "bounces",
            "abuse",
            "not_opened",
            "bounce_rate",
            "optout_rate",
        )
    },
}


def check_columns(columns: tuple[str, ...], sort: str) -> None:
    """A ValueError naming the first unknown column (or sort key) and the allowed ones."""
    allowed = ", ".join(RECENT_COLUMNS)
    if not columns:
        raise ValueError(f"choose at least one column of: {allowed}")
    for name in columns:
        if name not in RECENT_COLUMNS:
            raise ValueError(f"unknown column {name!r}; allowed: {allowed}")
    if sort not in RECENT_COLUMNS:
        raise ValueError(f"unknown sort column {sort!r}; allowed: {allowed}")


def sorted_rows(rows: list[CampaignRow], sort: str, descending: bool) -> list[CampaignRow]:
    """`rows` by the `sort` column; names case-blind, rows without a value last either way,
    ties in the order given (newest sent first)."""
    value = RECENT_COLUMNS[sort]
    known = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]

    def key(row: CampaignRow) -> Value:
        found = value(row)
        return found.casefold() if isinstance(found, str) else found

    return [*sorted(known, key=key, reverse=descending), *missing]  # type: ignore[arg-type]
