"""Reading one tracking report of one campaign down to the last pull's watermark.

Each page is stored as it comes, in its own transaction (a checkpoint: a pull stopped
half-way keeps what it read, and the re-run stores nothing twice). The watermark moves
only when the report has been read down to the old one, so a re-run after a stop
reads down to it again instead of believing the report done.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from listbridge.core.campaign_stats import cut_page
from listbridge.store.campaigns import StoredCampaign, close_report, insert_events, link_map
from listbridge.sync.job import JobContext


@dataclass(frozen=True)
class ReportRead:
    rows: int  # rows read
    new: int  # rows stored for the first time
    calls: int  # pages asked for
    #: contacts of the rows read that are linked to no account
    unattached: frozenset[str]


def read_report(ctx: JobContext, campaign: StoredCampaign, kind: str) -> ReportRead:
    """The report down to its watermark; each page's contacts looked up in the links as
    the page comes (a million links are not held for a pull)."""
    mark = campaign.watermarks.get(kind) or None
    watermark = datetime.fromisoformat(mark) if mark else None
    newest = watermark
    rows = new = calls = 0
    unattached: set[str] = set()
    for page in ctx.client.reports.tracking_pages(campaign.activity_id, kind):
        calls += 1
        events = [replace(row.to_core(), kind=kind) for row in page]
        cut = cut_page([e.at for e in events], watermark)
        kept = events[: cut.keep]
        if kept:
            top = max(e.at for e in kept)
            newest = top if newest is None else max(newest, top)
        with ctx.store.session() as session:
            account_of = link_map(session, ctx.connection_id, (e.contact_id for e in kept))
            new += insert_events(session, ctx.connection_id, campaign.campaign_id, kept, account_of)
        rows += len(kept)
        unattached.update(e.contact_id for e in kept if e.contact_id not in account_of)
        ctx.check_lock()
        if cut.done:
            break
    with ctx.store.session() as session:
        stamp = newest.isoformat() if newest is not None else ""
        close_report(session, ctx.connection_id, campaign.campaign_id, kind, stamp)
    return ReportRead(rows, new, calls, frozenset(unattached))
