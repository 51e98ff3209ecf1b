"""Which campaigns a pull reads: those sent within `stats.window_days` to the
connection's lists.

The campaign summaries come most recently sent first (facts §10.2), so the pull reads
them down to the window's start and no further. A campaign seen for the first time costs
two calls, once: its primary activity (GET /emails/{id}) and that activity's lists (GET
/emails/activities/{id}); the store keeps both, also for a campaign sent to other lists,
so a later pull neither asks again nor reads it. A campaign sent to a segment has no
lists and is never the connection's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.campaign_stats import is_frozen
from listbridge.store.campaigns import StoredCampaign


@dataclass
class Discovery:
    #: in the window, sent to the connection's lists: what the pull reads
    campaigns: list[StoredCampaign] = field(default_factory=list)
    #: first seen by this pull (whichever lists they went to)
    new: list[StoredCampaign] = field(default_factory=list)
    #: in the window but sent to no list of the connection
    elsewhere: int = 0
    #: stored campaigns that left the window since the last pull
    frozen_now: list[str] = field(default_factory=list)
    #: sent before the window and never pulled: not read at all
    outside_window: int = 0


def discover(
    client: ConstantContact,
    stored: dict[str, StoredCampaign],
    synced: set[str],
    now: datetime,
    window_days: int,
) -> Discovery:
    found = Discovery()
    seen: set[str] = set()
    for summary in client.reports.iter_summaries():
        sent_at = summary.last_sent_date
        if is_frozen(sent_at, now, window_days):
            old = stored.get(summary.campaign_id)
            if old is None:
                found.outside_window += 1
            elif not old.frozen:
                found.frozen_now.append(old.campaign_id)
                seen.add(old.campaign_id)
            break  # most recently sent first: every later one is older still
        seen.add(summary.campaign_id)
        known = stored.get(summary.campaign_id)
        if known is None:
            known = _first_look(client, summary.campaign_id, sent_at)
            found.new.append(known)
        elif sent_at is not None and known.sent_at != sent_at:
            known = replace(known, sent_at=sent_at)
        if known.frozen:  # in the window again: `stats.window_days` was made longer
            known = replace(known, frozen=False)
        if synced & set(known.list_ids):
            found.campaigns.append(known)
        else:
            found.elsewhere += 1
    found.frozen_now += [
        c.campaign_id
        for c in stored.values()
        if not c.frozen and c.campaign_id not in seen and is_frozen(c.sent_at, now, window_days)
    ]
    return found


def _first_look(
    client: ConstantContact, campaign_id: str, sent_at: datetime | None
) -> StoredCampaign:
    campaign = client.reports.campaign(campaign_id)
    activity_id = campaign.activity_id() or ""
    list_ids: tuple[str, ...] = ()
    if activity_id:
        list_ids = tuple(client.reports.campaign_activity(activity_id).contact_list_ids)
    return StoredCampaign(
        campaign_id, activity_id, campaign.name, sent_at, list_ids, False, None, {}
    )
