"""What the /stats screens show, read for one request: a sorted page of the campaigns
table (sorted and sliced by the database, store/campaign_pages.py), the chart of the
recent campaigns, and one campaign's recipients a page at a time.

The figures are those of `listbridge stats show`: the counters the last pull stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pygal
from pygal.style import Style

from listbridge.core.campaign_rows import CampaignDetail, CampaignRow, RecipientRow
from listbridge.core.campaign_stats import BOUNCE_NAMES, is_hard_bounce
from listbridge.store.campaign_pages import campaigns_page
from listbridge.store.campaign_reads import campaign_rows
from listbridge.store.db import Store
from listbridge.store.run_history import Page
from listbridge.web.sync_view import Pager

CAMPAIGNS_PAGE = 25
RECIPIENTS_PAGE = 50
#: campaigns in the chart, the newest ones, oldest on the left
CHART_CAMPAIGNS = 12
#: the table's columns: (sort key, heading, the direction a first click sorts by)
COLUMNS = (
    ("name", "Campaign", "asc"),
    ("sent", "Sent (UTC)", "desc"),
    ("sends", "Sends", "desc"),
    ("open_rate", "Open rate", "desc"),
    ("click_rate", "Click rate", "desc"),
    ("bounces", "Bounces", "desc"),
    ("optouts", "Opt-outs", "desc"),
)


@dataclass(frozen=True)
class Heading:
    key: str
    label: str
    href: str
    #: aria-sort of the column: "ascending", "descending" or "none"
    aria_sort: str


@dataclass(frozen=True)
class CampaignsScreen:
    rows: list[CampaignRow]
    headings: list[Heading]
    pager: Pager
    sort: str
    direction: str

    def page_href(self, number: int) -> str:
        return "/stats?" + urlencode({"sort": self.sort, "dir": self.direction, "page": number})


def campaigns_screen(
    store: Store, connection_id: int, sort: str, direction: str, page: int
) -> CampaignsScreen:
    with store.session() as session:
        found = campaigns_page(
            session, connection_id, sort, direction == "desc", Page(page, CAMPAIGNS_PAGE)
        )
    pager = Pager(page, CAMPAIGNS_PAGE, found.total)
    return CampaignsScreen(found.rows, headings(sort, direction), pager, sort, direction)


def headings(sort: str, direction: str) -> list[Heading]:
    """Each column's link: the sorted column's flips its direction, the others start with
    their natural one (names A to Z, figures highest first)."""
    shown = []
    for key, label, first in COLUMNS:
        current = key == sort
        flip = "asc" if direction == "desc" else "desc"
        query = urlencode({"sort": key, "dir": flip if current else first})
        state = ("ascending" if direction == "asc" else "descending") if current else "none"
        shown.append(Heading(key, label, f"/stats?{query}", state))
    return shown


@dataclass(frozen=True)
class Recipient:
    """One line of a campaign's page: an account, or a contact linked to none."""

    row: RecipientRow

    @property
    def bounce(self) -> str:
        code = self.row.result.bounce_code
        if not code:
            return ""
        kind = "hard" if is_hard_bounce(code) else "soft"
        return f"{code} {BOUNCE_NAMES.get(code, 'unknown code')} ({kind})"


@dataclass(frozen=True)
class CampaignScreen:
    detail: CampaignDetail
    recipients: list[Recipient]
    pager: Pager


def campaign_screen(detail: CampaignDetail, page: int) -> CampaignScreen:
    """The accounts first (by id), then the contacts linked to none, as the CSV has them."""
    everyone = [*detail.accounts, *detail.unlinked]
    start = (page - 1) * RECIPIENTS_PAGE
    shown = [Recipient(row) for row in everyone[start : start + RECIPIENTS_PAGE]]
    return CampaignScreen(detail, shown, Pager(page, RECIPIENTS_PAGE, len(everyone)))


def day(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d") if at else ""


def minute(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at else "—"


# ── the chart ─────────────────────────────────────────────────────────────────────────

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d232a",
    foreground_strong="#1d232a",
    foreground_subtle="#56606b",
    colors=("#9db4cc", "#0b5cad", "#1b6e3a"),
    font_family="system-ui, sans-serif",
)
#: pygal signs its SVG with comments holding its web addresses: the chart links nowhere
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def chart_svg(store: Store, connection_id: int | None) -> str:
    """Sends, opens and clicks of the recent campaigns, as an SVG with no script (`js=[]`)
    and no external address. pygal escapes the names (XML text), like Jinja does."""
    rows: list[CampaignRow] = []
    if connection_id is not None:
        with store.session() as session:
            rows = campaign_rows(session, connection_id, CHART_CAMPAIGNS)
    rows.reverse()
    chart = pygal.Bar(
        js=[], style=_STYLE, width=900, height=380, x_label_rotation=20,
        truncate_label=24, legend_at_bottom=True, no_data_text="No campaign results yet",
    )  # fmt: skip
    chart.add_xml_filter(_without_scripts)
    chart.x_labels = [row.name or row.campaign_id for row in rows]
    if rows:
        chart.add("Sends", [row.counters.sends for row in rows])
        chart.add("Opens", [row.counters.opens for row in rows])
        chart.add("Clicks", [row.counters.clicks for row in rows])
    svg = chart.render(is_unicode=True)
    return _COMMENT.sub("", svg)


def _without_scripts(root: Any) -> Any:
    """pygal writes its configuration (the names too) into a <script> even with `js=[]`:
    an image needs none, and a chart served as a file must not carry one."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root
