"""Engagement that arrives after a send, and the emulator's own totals of a campaign's rows.

Real opens and clicks trickle in for days, so a tracking report read twice has new rows at
its top the second time. ``add_activity`` produces such a batch for a sent campaign: rates
are fractions of its delivered recipients (sends minus bounces); clicks and forwards come
from this batch's openers, with the rate among openers ``rate / open`` as in a send; an
opt-out is a real unsubscribe by the contact (``unsubscribe_by_contact``) and only happens
to a contact still subscribed. Every row is dated by the emulator's clock, strictly after
every row the campaign already has. The same seed over the same campaign gives the same rows.

``campaign_totals`` counts what the reports hold, for checking what a pull stored.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from listbridge.emulator.campaign_send import (
    DEVICES,
    OPT_OUT_REASONS,
    Rates,
    _followups,
    _pick,
    unsubscribe_by_contact,
)
from listbridge.emulator.campaigns import (
    KINDS,
    CampaignActivity,
    CampaignStore,
    Track,
    campaign_store,
)
from listbridge.emulator.errors import ApiError, found
from listbridge.emulator.state import EmulatorState

ADDED_KINDS = ("opens", "clicks", "forwards", "optouts")


@dataclass(frozen=True)
class LaterRates:
    """Fractions of the delivered recipients who do each thing in one batch."""

    open: float = 0.1
    click: float = 0.02
    forward: float = 0.005
    optout: float = 0.005


@dataclass(frozen=True)
class ActivityResult:
    campaign_id: str
    campaign_activity_id: str
    added: dict[str, int]


class _Clock:
    """Instants for new rows: the emulator's own (``state.stamp``), never at or before the
    campaign's newest row, so a pull that stopped at that row finds all of these above it."""

    def __init__(self, state: EmulatorState, newest: int) -> None:
        self.state, self.last = state, newest

    def after(self, instant: int) -> int:
        self.last = max(instant, self.last + 1)
        return self.last

    def tick(self) -> int:
        return self.after(self.state.stamp())


def add_activity(
    state: EmulatorState, campaign_id: str, rates: LaterRates, seed: int
) -> ActivityResult:
    """Add a batch of later opens, clicks, forwards and opt-outs to a sent campaign."""
    with state.lock:
        store = campaign_store(state)
        activity = sent_activity(store, campaign_id)
        activity_id = activity.campaign_activity_id
        clock = _Clock(state, _newest(store, activity_id))
        rng = random.Random(seed)
        # The send's follow-up rule takes its rates; a later batch has no bounces.
        as_send = Rates(rates.open, rates.click, rates.forward, 0.0, rates.optout)
        tracks: list[Track] = []
        for send in _delivered(store, activity_id):
            tracks.extend(_engagement(rng, send, as_send, activity.links, clock))
            if rng.random() < rates.optout:
                tracks.extend(_optout(state, rng, send, clock))
        # record() also drops the derived reports (unique_opens, didnotopens) it cached.
        store.record(activity_id, tracks)
        added = Counter(t.kind for t in tracks)
        return ActivityResult(campaign_id, activity_id, {k: added[k] for k in ADDED_KINDS})


def sent_activity(store: CampaignStore, campaign_id: str) -> CampaignActivity:
    """The primary activity of a campaign that has rows; 404 when there is no campaign."""
    campaign = found(store.campaigns, campaign_id, "campaign")
    activity = store.activities.get(campaign.primary_activity_id)
    if activity is None or activity.campaign_activity_id not in store.rows:
        raise ApiError(409, f"campaign {campaign_id} has not been sent")
    return activity


def _newest(store: CampaignStore, activity_id: str) -> int:
    # Each kind is kept newest first, so its first row is its newest.
    return max((rows[0].at for rows in store.rows[activity_id].values() if rows), default=0)


def _delivered(store: CampaignStore, activity_id: str) -> list[Track]:
    """One send row per recipient that did not bounce, ordered by contact so a seed always
    picks the same people whatever order the rows were stored in."""
    bounced = {t.contact_id for t in store.tracks(activity_id, "bounces")}
    sends = {t.contact_id: t for t in store.tracks(activity_id, "sends")}
    return [sends[c] for c in sorted(sends) if c not in bounced]


def _row(send: Track, kind: str, at: int) -> Track:
    # A later row keeps the address the e-mail went to, as the send's row does.
    return Track(kind, send.activity_id, send.contact_id, send.email, at)


def _engagement(
    rng: random.Random,
    send: Track,
    rates: Rates,
    links: tuple[tuple[str, str], ...],
    clock: _Clock,
) -> list[Track]:
    if rates.open <= 0 or rng.random() >= rates.open:
        return []
    device = _pick(rng, DEVICES)
    rows = [_row(send, "opens", clock.tick()) for _ in range(rng.randint(1, 2))]
    for kind in _followups(rng, rates, links):
        row = _row(send, kind, clock.tick())
        if kind == "clicks":
            row.url_id, row.link_url = rng.choice(links)
        rows.append(row)
    for row in rows:
        row.device = device if row.kind != "forwards" else None
    return rows


def _optout(state: EmulatorState, rng: random.Random, send: Track, clock: _Clock) -> list[Track]:
    reason = rng.choice(OPT_OUT_REASONS)  # drawn even when skipped, so later draws keep place
    contact = state.contacts.by_id.get(send.contact_id)
    if contact is None or contact.is_deleted or contact.is_unsubscribed:
        return []
    row = _row(send, "optouts", clock.after(unsubscribe_by_contact(state, contact, reason)))
    row.reason = reason
    return [row]


def campaign_totals(state: EmulatorState, campaign_id: str, by_contact: bool) -> dict[str, Any]:
    """Rows and distinct contacts per kind of a campaign's primary activity; per contact too
    when asked (that part is as large as the campaign's audience)."""
    with state.lock:
        store = campaign_store(state)
        activity_id = sent_activity(store, campaign_id).campaign_activity_id
        rows = {kind: store.tracks(activity_id, kind) for kind in KINDS}
        totals: dict[str, Any] = {
            "campaign_activity_id": activity_id,
            "rows": {kind: len(found) for kind, found in rows.items()},
            "unique": {kind: len({t.contact_id for t in found}) for kind, found in rows.items()},
        }
        if by_contact:
            per: dict[str, Counter[str]] = {}
            for kind, found in rows.items():
                for track in found:
                    per.setdefault(track.contact_id, Counter())[kind] += 1
            totals["by_contact"] = {c: dict(counts) for c, counts in per.items()}
        return totals
