"""What the dashboard adds to the connection's health: the "Campaign stats" widget as
the user set it up (store/preferences.py), and two checks with the count of what they
found — pairs whose consent differs (`unsubscribes report`) and possible duplicate
accounts (`crm duplicates`) — each linking to the full list.

The checks read every account; at 100,000 accounts that takes seconds, so their counts
come through a FigureCache (figure_cache.py) and the page never waits long for them.
A CRM held elsewhere (CiviCRM, vtiger, an SQL database) is not read for the dashboard at
all: its lists are made when asked for.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from listbridge.core.campaign_rows import RECENT_COLUMNS, CampaignRow, Value, sorted_rows
from listbridge.core.campaign_widget import ROW_CHOICES, WidgetView
from listbridge.core.duplicates import DuplicateGroup
from listbridge.store.campaign_pages import campaigns_page
from listbridge.store.crm_choice import CrmKind, load_crm_choice
from listbridge.store.dashboard_counts import checks_freshness, consent_mismatch_count
from listbridge.store.db import Store
from listbridge.store.read_only import read_only
from listbridge.store.run_history import Page
from listbridge.web.app_state import made_once
from listbridge.web.duplicates_worker import duplicate_groups_apart
from listbridge.web.figure_cache import Figure, FigureCache
from listbridge.web.stats_view import minute

COLUMN_LABELS = {
    "name": "Campaign",
    "sent_at": "Sent (UTC)",
    "sends": "Sends",
    "opens": "Opens",
    "open_rate": "Open rate",
    "clicks": "Clicks",
    "click_rate": "Click rate",
    "forwards": "Forwards",
    "optouts": "Opt-outs",
    "bounces": "Bounces",
    "abuse": "Spam reports",
    "not_opened": "Not opened",
    "bounce_rate": "Bounce rate",
    "optout_rate": "Opt-out rate",
}
#: how long the duplicates page waits for the groups being made (a CRM of 100,000: seconds)
DUPLICATES_WAIT = 600.0
RATES = frozenset(name for name in RECENT_COLUMNS if name.endswith("_rate"))


@dataclass(frozen=True)
class WidgetRow:
    campaign_id: str
    #: (column, text) in the chosen order
    cells: list[tuple[str, str]]


@dataclass(frozen=True)
class CampaignWidget:
    view: WidgetView
    rows: list[WidgetRow]
    labels: dict[str, str]
    row_choices: tuple[int, ...] = ROW_CHOICES


def campaign_widget(store: Store, connection_id: int, view: WidgetView) -> CampaignWidget:
    """The last `view.rows` campaigns by sent date, sorted as the user chose."""
    with store.session() as session:
        found = campaigns_page(session, connection_id, "sent", True, Page(1, view.rows)).rows
    rows = [
        WidgetRow(row.campaign_id, [(c, _text(c, row)) for c in view.columns])
        for row in sorted_rows(found, view.sort, view.descending)
    ]
    return CampaignWidget(view, rows, COLUMN_LABELS)


def _text(column: str, row: CampaignRow) -> str:
    return cell_text(column, RECENT_COLUMNS[column](row))


def cell_text(column: str, value: Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return minute(value)
    if column in RATES:
        return f"{value}%"
    return str(value)


@dataclass(frozen=True)
class Check:
    """A check's count: None when not known (being counted, or a CRM held elsewhere)."""

    count: int | None
    #: the count is from before the latest change (being counted again)
    stale: bool
    #: the connection's CRM is the builtin one (counted here); else counted when asked
    counted_here: bool
    computed_at: datetime | None = None


@dataclass(frozen=True)
class Checks:
    consent: Check
    duplicates: Check


def figures_of(request: Request) -> FigureCache:
    """The app's cache of slow figures, made on first use (a test may set its own)."""
    return made_once(request, "dashboard_figures", FigureCache)


def checks(store: Store, connection_id: int, cache: FigureCache) -> Checks:
    if not _builtin(store, connection_id):
        unknown = Check(None, False, False)
        return Checks(unknown, unknown)
    key = _freshness(store, connection_id)

    def consent() -> int:
        with read_only(store) as reader, reader.session() as session:
            return consent_mismatch_count(session, connection_id)

    return Checks(
        _check(cache.get(("consent", connection_id), key, consent)),
        _check(_duplicates(store, connection_id, cache, key)),
    )


def duplicate_groups(store: Store, connection_id: int, cache: FigureCache) -> list[DuplicateGroup]:
    """The groups for their page: those the dashboard counted when still current (the
    builtin CRM), else made now. A CRM held elsewhere is read each time."""
    if not _builtin(store, connection_id):
        return duplicate_groups_apart(store, connection_id)
    key = _freshness(store, connection_id)
    figure, _ = _duplicates(store, connection_id, cache, key, wait=DUPLICATES_WAIT)
    if figure is None:  # could not be made (logged): made here, to show why
        return duplicate_groups_apart(store, connection_id)
    groups: list[DuplicateGroup] = figure.value
    return groups


def _duplicates(
    store: Store, connection_id: int, cache: FigureCache, key: Hashable, wait: float | None = None
) -> tuple[Figure | None, bool]:
    def groups() -> list[DuplicateGroup]:
        return duplicate_groups_apart(store, connection_id)

    return cache.get(("duplicates", connection_id), key, groups, wait)


def _builtin(store: Store, connection_id: int) -> bool:
    return load_crm_choice(store, connection_id).kind is CrmKind.BUILTIN


def _freshness(store: Store, connection_id: int) -> Hashable:
    with store.session() as session:
        return checks_freshness(session, connection_id)


def _check(found: tuple[Figure | None, bool]) -> Check:
    figure, current = found
    if figure is None:
        return Check(None, False, True)
    value = figure.value
    count = len(value) if isinstance(value, list) else int(value)
    return Check(count, not current, True, figure.computed_at)
