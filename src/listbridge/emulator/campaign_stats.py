"""Campaign-level stats (D:StatsEmail, D:PercentsEmail) and a contact's open/click rates.

A campaign's stats are the sums over its sent activities of the activity stats
(``reporting.activity_stats``), so the two reports always agree; D:StatsEmail has no
``em_abuse`` and no bounce breakdown (facts §10.2), so those keys are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from listbridge.emulator.campaigns import Campaign, CampaignStore, Track
from listbridge.emulator.reporting import DEVICE_TYPES, activity_stats, sent_activity_ids

STATS_KEYS = (
    "em_sends",
    "em_opens",
    "em_clicks",
    "em_forwards",
    "em_optouts",
    "em_bounces",
    "em_not_opened",
    *(
        f"em_{kind}_all{device}"
        for kind in ("opens", "clicks")
        for device in ("", *(f"_{d}" for d in DEVICE_TYPES))
    ),
)


def campaign_stats(store: CampaignStore, campaign: Campaign) -> dict[str, int]:
    """D:StatsEmail: each counter summed over the campaign's sent activities."""
    total = Counter[str]()
    for activity_id in sent_activity_ids(store, campaign):
        stats = activity_stats(store, activity_id)
        total.update({key: stats[key] for key in STATS_KEYS})
    return {key: total[key] for key in STATS_KEYS}


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


def campaign_percents(stats: dict[str, int]) -> dict[str, float]:
    """D:PercentsEmail, each property as its description defines it.

    open, did_not_open and unsubscribe are shares of the delivered e-mails (sends minus
    bounces), bounce of the sends, click of the openers; the device shares are of all opens
    or all clicks, where "mobile" is a phone or a tablet ("mobile phone, tablet computer").
    """
    delivered = stats["em_sends"] - stats["em_bounces"]
    return {
        "open": _share(stats["em_opens"], delivered),
        "click": _share(stats["em_clicks"], stats["em_opens"]),
        "did_not_open": _share(stats["em_not_opened"], delivered),
        "bounce": _share(stats["em_bounces"], stats["em_sends"]),
        "unsubscribe": _share(stats["em_optouts"], delivered),
        "desktop_open": _share(stats["em_opens_all_computer"], stats["em_opens_all"]),
        "mobile_open": _share(_mobile(stats, "opens"), stats["em_opens_all"]),
        "desktop_click": _share(stats["em_clicks_all_computer"], stats["em_clicks_all"]),
        "mobile_click": _share(_mobile(stats, "clicks"), stats["em_clicks_all"]),
    }


def _mobile(stats: dict[str, int], kind: str) -> int:
    return stats[f"em_{kind}_all_mobile"] + stats[f"em_{kind}_all_tablet"]


@dataclass(frozen=True)
class OpenClickRates:
    """One contact's share of the e-mails sent to it that it opened and that it clicked."""

    included: int
    opened: int
    clicked: int

    @property
    def open_rate(self) -> float:
        return self.opened / self.included if self.included else 0.0

    @property
    def click_rate(self) -> float:
        return self.clicked / self.included if self.included else 0.0


def open_click_rates(
    store: CampaignStore, rows: list[Track], low: int, high: int
) -> OpenClickRates:
    """Rates over the activities sent to the contact between ``low`` and ``high``.

    An activity is included when the contact has a send row for it and the activity was
    sent in the range (the window ``activity_summary`` uses, so the two reports agree); it
    counts as opened or clicked when the contact has any such row for it.
    """
    kinds: dict[str, set[str]] = {}
    for track in rows:
        kinds.setdefault(track.activity_id, set()).add(track.kind)
    included = [
        seen
        for activity_id, seen in kinds.items()
        if "sends" in seen and low <= (store.activities[activity_id].sent_at or 0) <= high
    ]
    return OpenClickRates(
        included=len(included),
        opened=sum(1 for seen in included if "opens" in seen),
        clicked=sum(1 for seen in included if "clicks" in seen),
    )
