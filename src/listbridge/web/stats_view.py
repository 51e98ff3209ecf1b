"""What the /stats screens show, read for one request: a sorted page of the campaigns
table (sorted and sliced by the database, store/campaign_pages.py), the chart of the
recent campaigns, and one campaign's recipients a page at a time.

The figures are those of `listbridge stats show`: the counters the last pull stored.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pygal
from pygal.style import Style

from listbridge.core.campaign_rows import CampaignRow, RecipientRow
from listbridge.core.campaign_stats import BOUNCE_NAMES, is_hard_bounce
from listbridge.store.campaign_pages import campaigns_page, included_campaign
from listbridge.store.campaign_recipients import (
    Key,
    recipient_keys,
    recipients,
    recipients_version,
)
from listbridge.store.db import Store
from listbridge.store.read_only import read_only
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
    campaign: CampaignRow
    recipients: list[Recipient]
    #: recipients with an account, and contacts linked to none
    accounts: int
    unlinked: int
    pager: Pager


def campaign_screen(
    store: Store, connection_id: int, campaign_id: str, page: int
) -> CampaignScreen | None:
    """One page of the campaign's recipients: the accounts first (by id), then the
    contacts linked to none, as the CSV has them; None: no such campaign."""
    with store.session() as session:
        campaign = included_campaign(session, connection_id, campaign_id)
        if campaign is None:
            return None
        version = recipients_version(session, connection_id, campaign_id)
    keys = _keys((store.url, connection_id, campaign_id, version), store)
    start = (page - 1) * RECIPIENTS_PAGE
    shown = keys[start : start + RECIPIENTS_PAGE]
    with store.session() as session:
        rows = recipients(session, connection_id, campaign_id, shown)
    accounts = sum(1 for kind, _ in keys if kind == "account")
    pager = Pager(page, RECIPIENTS_PAGE, len(keys))
    return CampaignScreen(
        campaign, [Recipient(r) for r in rows], accounts, len(keys) - accounts, pager
    )


#: recipient lists kept (most recently used), each for one campaign as last pulled
KEPT_CAMPAIGNS = 8
_kept: OrderedDict[Hashable, list[Key]] = OrderedDict()
_kept_lock = threading.Lock()


def _keys(version: tuple[str, int, str, tuple[str, int]], store: Store) -> list[Key]:
    """The campaign's recipients in order, read once per pull: a page of 50,000 recipients
    then costs the rows of its 50 alone."""
    with _kept_lock:
        if version in _kept:
            _kept.move_to_end(version)
            return _kept[version]
    _, connection_id, campaign_id, _ = version
    with read_only(store) as reader, reader.session() as session:
        keys = recipient_keys(session, connection_id, campaign_id)
    with _kept_lock:
        _kept[version] = keys
        while len(_kept) > KEPT_CAMPAIGNS:
            _kept.popitem(last=False)
    return keys


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
            newest = Page(1, CHART_CAMPAIGNS)
            rows = campaigns_page(session, connection_id, "sent", True, newest).rows
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
