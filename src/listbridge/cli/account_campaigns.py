"""`crm show ID`: the account's campaign history, one line per campaign it was sent or
engaged with (newest sent first), from the results `stats pull` stored."""

from __future__ import annotations

from listbridge.core.campaign_stats import BOUNCE_NAMES
from listbridge.core.values import format_timestamp
from listbridge.store.campaign_reads import HistoryRow, account_history
from listbridge.store.db import Store


def campaign_section(store: Store, connection_id: int, account_id: str) -> list[str]:
    with store.session() as session:
        history = account_history(session, connection_id, account_id)
    return campaign_lines(history)


def campaign_lines(history: list[HistoryRow]) -> list[str]:
    lines = ["Campaign history:"]
    if not history:
        # said plainly: "no results" is not "no campaigns" until a pull has run
        return [*lines, "  (no campaign results pulled for this account)"]
    for row in history:
        sent = format_timestamp(row.sent_at)[:10] if row.sent_at else "date unknown"
        lines.append(f"  {sent}  {row.name or row.campaign_id}: {_facts(row)}")
    return lines


def _facts(row: HistoryRow) -> str:
    """What the account did, in the column order: opened, clicked, forwarded, bounced,
    opted out; a campaign it received and did nothing with says so."""
    result = row.result
    facts = []
    if result.opens:
        facts.append(f"opened {result.opens}×")
    if result.links:
        facts.append(f"clicked {', '.join(result.links)}")
    elif result.clicks:
        facts.append(f"clicked {result.clicks}×")
    if result.forwards:
        facts.append(f"forwarded {result.forwards}×")
    if result.bounce_code:
        name = BOUNCE_NAMES.get(result.bounce_code, "unknown code")
        facts.append(f"bounced {result.bounce_code} ({name})")
    if result.opted_out_at is not None:
        facts.append(f"opted out {format_timestamp(result.opted_out_at)}")
    return "; ".join(facts) or "received, not opened"
