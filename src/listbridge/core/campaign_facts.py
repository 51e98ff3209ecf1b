"""What an account did with one campaign, in words: `crm show ID`'s campaign history and
the web admin's account page say it the same way."""

from __future__ import annotations

from listbridge.core.campaign_stats import BOUNCE_NAMES, RecipientResult
from listbridge.core.values import format_timestamp


def campaign_facts(result: RecipientResult) -> str:
    """Opened, clicked, forwarded, bounced, opted out (in the report's column order); a
    campaign it received and did nothing with says so."""
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
