"""`crm show ID`: the account's campaign history, one line per campaign it was sent or
engaged with (newest sent first), from the results `stats pull` stored."""

from __future__ import annotations

from listbridge.core.campaign_facts import campaign_facts
from listbridge.core.values import format_timestamp
from listbridge.store.campaign_reads import HistoryRow


def campaign_lines(history: list[HistoryRow]) -> list[str]:
    lines = ["Campaign history:"]
    if not history:
        # said plainly: "no results" is not "no campaigns" until a pull has run
        return [*lines, "  (no campaign results pulled for this account)"]
    for row in history:
        sent = format_timestamp(row.sent_at)[:10] if row.sent_at else "date unknown"
        lines.append(f"  {sent}  {row.name or row.campaign_id}: {campaign_facts(row.result)}")
    return lines
