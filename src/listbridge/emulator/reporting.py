"""Campaign reports computed from tracking rows (facts §10.2-10.4).

Counters named without ``_all`` count unique contacts; ``_all`` counters count rows.
``em_not_opened = max(0, em_sends - em_opens - em_bounces)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from listbridge.emulator.campaigns import Campaign, CampaignStore, Track
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso, iso_date

DEVICE_TYPES = ("computer", "mobile", "tablet", "other", "none")
BOUNCE_NAMES = {
    "B": "nonexistent_address",
    "D": "undeliverable",
    "F": "mailbox_full",
    "S": "suspended",
    "V": "vacation",
    "X": "other",
    "Z": "blocked",
}


@dataclass(frozen=True)
class UniqueCounts:
    sends: int
    opens: int
    clicks: int
    forwards: int
    optouts: int
    bounces: int
    abuse: int = 0

    @property
    def not_opened(self) -> int:
        return max(0, self.sends - self.opens - self.bounces)


def _unique(rows: list[Track]) -> int:
    return len({t.contact_id for t in rows})


def unique_counts(store: CampaignStore, activity_id: str) -> UniqueCounts:
    def count(kind: str) -> int:
        return _unique(store.tracks(activity_id, kind))

    return UniqueCounts(
        *(count(k) for k in ("sends", "opens", "clicks", "forwards", "optouts", "bounces"))
    )


def activity_stats(store: CampaignStore, activity_id: str) -> dict[str, int]:
    """D:StatsEmailActivity for one campaign activity."""
    counts = unique_counts(store, activity_id)
    stats = {
        "em_sends": counts.sends,
        "em_opens": counts.opens,
        "em_clicks": counts.clicks,
        "em_forwards": counts.forwards,
        "em_optouts": counts.optouts,
        "em_abuse": counts.abuse,
        "em_bounces": counts.bounces,
        "em_not_opened": counts.not_opened,
    }
    for kind in ("opens", "clicks"):
        stats.update(_by_device(kind, store.tracks(activity_id, kind)))
    codes = Counter(t.code for t in store.tracks(activity_id, "bounces"))
    stats.update({f"em_bounces_{name}": codes[code] for code, name in BOUNCE_NAMES.items()})
    return stats


def _by_device(kind: str, rows: list[Track]) -> dict[str, int]:
    devices = Counter(t.device or "none" for t in rows)
    found = {f"em_{kind}_all_{d}": devices[d] for d in DEVICE_TYPES}
    return {f"em_{kind}_all": len(rows), **found}


def sent_activity_ids(store: CampaignStore, campaign: Campaign) -> list[str]:
    """The campaign's activities that were sent (have tracking rows): its primary e-mail and
    a resend to non-openers once that is sent, in creation order."""
    return [
        a.campaign_activity_id
        for a in store.activities.values()
        if a.campaign_id == campaign.campaign_id and a.campaign_activity_id in store.rows
    ]


def campaign_summary(store: CampaignStore, campaign: Campaign) -> dict[str, Any]:
    """D:BulkEmailCampaignSummary for a sent campaign: each unique count summed over its sent
    activities, as ``stats/email_campaigns`` sums them (a resend goes to the primary's
    non-openers, so its opens, clicks and bounces are contacts the primary did not count)."""
    total = Counter[str]()
    for activity_id in sent_activity_ids(store, campaign):
        counts = unique_counts(store, activity_id)
        total.update(
            {
                "sends": counts.sends,
                "opens": counts.opens,
                "clicks": counts.clicks,
                "forwards": counts.forwards,
                "optouts": counts.optouts,
                "abuse": counts.abuse,
                "bounces": counts.bounces,
                "not_opened": counts.not_opened,
            }
        )
    keys = ("sends", "opens", "clicks", "forwards", "optouts", "abuse", "bounces", "not_opened")
    return {
        "campaign_id": campaign.campaign_id,
        "campaign_type": campaign.type,
        "last_sent_date": iso(_sent_at(store, campaign)),
        "unique_counts": {key: total[key] for key in keys},
    }


def sent_campaigns(store: CampaignStore) -> list[Campaign]:
    """Sent campaigns, most recently sent first (the summaries' order)."""
    sent = [c for c in store.campaigns.values() if _sent_at(store, c) is not None]
    return sorted(sent, key=lambda c: (_sent_at(store, c) or 0, c.created_at), reverse=True)


def _sent_at(store: CampaignStore, campaign: Campaign) -> int | None:
    """When the campaign was last sent: its latest sent activity's send time."""
    activity = store.activities.get(campaign.primary_activity_id)
    if activity is None or activity.sent_at is None:
        return None
    times = [store.activities[a].sent_at for a in sent_activity_ids(store, campaign)]
    return max([activity.sent_at, *(t for t in times if t is not None)])


def aggregate_percents(summaries: list[dict[str, Any]]) -> dict[str, float]:
    """D:BulkEmailCampaignSummariesPercents over one page: shares of delivered e-mails."""
    total = Counter[str]()
    for summary in summaries:
        total.update(summary["unique_counts"])
    delivered = total["sends"] - total["bounces"]

    def share(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole > 0 else 0.0

    return {
        "open": share(total["opens"], delivered),
        "click": share(total["clicks"], delivered),
        "did_not_open": share(total["not_opened"], delivered),
        "bounce": share(total["bounces"], total["sends"]),
        "unsubscribe": share(total["optouts"], delivered),
    }


TRACKING_TYPES = {
    "sends": "em_sends",
    "opens": "em_opens",
    "unique_opens": "em_opens",
    "didnotopens": "em_didnotopens",
    "clicks": "em_clicks",
    "forwards": "em_forwards",
    "optouts": "em_optouts",
    "bounces": "em_bounces",
}


def tracking_rows(store: CampaignStore, activity_id: str, kind: str) -> list[Track]:
    """The rows of one tracking report, newest first.

    Derived reports are computed once per activity and kept until the activity gains
    rows (`CampaignStore.record` drops them): paging a large campaign would otherwise redo
    the whole scan for every page.
    """
    if kind not in ("unique_opens", "didnotopens"):
        return store.tracks(activity_id, kind)
    key = (activity_id, kind)
    if key not in store.derived:
        opens = store.tracks(activity_id, "opens")
        rows = (
            _last_per_contact(opens)
            if kind == "unique_opens"
            else _did_not_open(store, activity_id)
        )
        store.derived[key] = rows
    return store.derived[key]


def _last_per_contact(rows: list[Track]) -> list[Track]:
    seen: set[str] = set()
    last = []
    for track in rows:  # newest first, so the first row per contact is its last open
        if track.contact_id not in seen:
            seen.add(track.contact_id)
            last.append(track)
    return last


def _did_not_open(store: CampaignStore, activity_id: str) -> list[Track]:
    done = {t.contact_id for k in ("opens", "bounces") for t in store.tracks(activity_id, k)}
    return [t for t in store.tracks(activity_id, "sends") if t.contact_id not in done]


def tracking_view(state: EmulatorState, track: Track, kind: str) -> dict[str, Any]:
    """One row of a tracking report (D:*TrackingActivity), named after the live contact."""
    contact = state.contacts.by_id.get(track.contact_id)
    view: dict[str, Any] = {
        "contact_id": track.contact_id,
        "campaign_activity_id": track.activity_id,
        "tracking_activity_type": TRACKING_TYPES[kind],
        "email_address": track.email,
        "created_time": iso(track.at),
    }
    if contact is not None:
        view.update(first_name=contact.first_name, last_name=contact.last_name)
        view["deleted_at"] = iso_date(contact.deleted_at)
    view.update(_kind_fields(track, kind, contact.email if contact else None))
    return {key: value for key, value in view.items() if value is not None}


def _kind_fields(track: Track, kind: str, current_email: str | None) -> dict[str, Any]:
    if kind in ("opens", "unique_opens"):
        return {"device_type": track.device}
    if kind == "clicks":
        return {"device_type": track.device, "url_id": track.url_id, "link_url": track.link_url}
    if kind == "optouts":
        return {"opt_out_reason": track.reason or ""}
    if kind == "bounces":
        return {"bounce_code": track.code, "current_email_address": current_email}
    return {}


def link_click_counts(
    store: CampaignStore, activity_id: str, no_clicks: bool
) -> list[dict[str, Any]]:
    """D:EmailLinkClickCount per link; links nobody clicked only with ``no_clicks``."""
    activity = store.activities[activity_id]
    clickers: dict[str, set[str]] = {url_id: set() for url_id, _ in activity.links}
    for track in store.tracks(activity_id, "clicks"):
        clickers.setdefault(track.url_id or "", set()).add(track.contact_id)
    counts = [
        {"url_id": url_id, "link_url": url, "unique_clicks": len(clickers[url_id])}
        for url_id, url in activity.links
    ]
    return [c for c in counts if no_clicks or c["unique_clicks"]]
