"""Simulate sending a campaign: who receives it, and what each recipient does, from a seed.

Rates are fractions of the recipients. A bounced recipient does nothing else. Opens,
forwards and clicks come from openers only (a click is also an open in CC's counting), so
the click and forward rates are applied to openers as ``click / open``. An opt-out is the
contact clicking the unsubscribe link: it happens to delivered recipients independently of
opens, and it is a *real* unsubscribe of the contact (``opt_out_source = Contact``).

The same seed over the same recipients gives the same rows. Recipients are the active
members of the lists: not deleted, not unsubscribed, with an e-mail address.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from listbridge.emulator.campaigns import (
    Campaign,
    CampaignActivity,
    Track,
    campaign_store,
    new_campaign,
)
from listbridge.emulator.contact_rules import unsubscribe
from listbridge.emulator.errors import ApiError
from listbridge.emulator.model import Contact
from listbridge.emulator.state import EmulatorState

HOUR_US = 3600 * 1_000_000
DAY_US = 24 * HOUR_US
DEVICES = (("computer", 0.55), ("mobile", 0.35), ("tablet", 0.07), ("other", 0.03))
# D:BouncesTrackingActivity codes, weighted roughly as real lists bounce.
BOUNCE_CODES = (
    ("B", 0.35),
    ("D", 0.2),
    ("F", 0.15),
    ("S", 0.05),
    ("V", 0.1),
    ("X", 0.1),
    ("Z", 0.05),
)
LINKS = ("https://example.org/news", "https://example.org/donate", "https://example.org/events")
OPT_OUT_REASONS = ("", "Too many e-mails", "No longer interested", "I never signed up")


@dataclass(frozen=True)
class Rates:
    open: float = 0.4
    click: float = 0.05
    forward: float = 0.01
    bounce: float = 0.02
    optout: float = 0.01


@dataclass(frozen=True)
class SendOrder:
    name: str
    list_ids: tuple[str, ...]
    rates: Rates = field(default_factory=Rates)
    seed: int = 0
    sent_at: int | None = None  # when the send happened; default: an hour ago


@dataclass(frozen=True)
class SendResult:
    campaign_id: str
    campaign_activity_id: str
    sends: int


def send_campaign(state: EmulatorState, order: SendOrder) -> SendResult:
    """Create a Done campaign sent to the lists, with its rows and unsubscribes."""
    with state.lock:
        store = campaign_store(state)
        _check_order(state, order, store.names())
        campaign, primary = _create_campaign(state, order)
        rng = random.Random(order.seed)
        primary.links = _numbered(rng, LINKS)
        recipients = active_members(state, order.list_ids)
        _deliver(state, rng, primary, recipients, order.rates)
        return SendResult(campaign.campaign_id, primary.campaign_activity_id, len(recipients))


def send_activity(
    state: EmulatorState,
    activity: CampaignActivity,
    recipients: list[Contact],
    rates: Rates,
    seed: int,
    sent_at: int,
) -> None:
    """One more send of an existing activity (a schedule reached, or the send control):
    rows for ``recipients``, dated from ``sent_at``, and a line of its send history. The
    links of its HTML are numbered on its first send and kept for the later ones."""
    rng = random.Random(seed)
    if not activity.links:
        activity.links = _numbered(rng, links_in(activity.html_content or ""))
    activity.sent_at = sent_at
    _deliver(state, rng, activity, recipients, rates)


HREF = re.compile(r"""href\s*=\s*["'](https?://[^"'\s]+)["']""", re.IGNORECASE)


def links_in(html: str) -> tuple[str, ...]:
    """The distinct web links of an e-mail's HTML, in order: what a recipient can click."""
    return tuple(dict.fromkeys(HREF.findall(html)))


def _numbered(rng: random.Random, urls: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((str(rng.randrange(10**10, 10**11)), url) for url in urls)


def _deliver(
    state: EmulatorState,
    rng: random.Random,
    activity: CampaignActivity,
    recipients: list[Contact],
    rates: Rates,
) -> None:
    tracks = _simulate(rng, activity, recipients, rates)
    _apply_optouts(state, [t for t in tracks if t.kind == "optouts"])
    campaign_store(state).record(activity.campaign_activity_id, tracks)
    # D:EmailSendHistory: reason 12 is a completed send that found nobody to send to
    entry = (
        len(activity.send_history) + 1,
        activity.contact_list_ids,
        activity.segment_ids,
        len(recipients),
        activity.sent_at,
        "COMPLETED",
        0 if recipients else 12,
    )
    activity.send_history = (*activity.send_history, entry)


def _check_order(state: EmulatorState, order: SendOrder, names: set[str]) -> None:
    if not order.name.strip() or len(order.name) > 80:
        raise ApiError(400, "name must be 1 to 80 characters")
    if order.name.lower() in names:
        raise ApiError(409, f"a campaign named {order.name!r} already exists")
    live = {lst.list_id for lst in state.live_lists()}
    missing = [i for i in order.list_ids if i not in live]
    if missing:
        raise ApiError(404, f"contact list(s) not found: {', '.join(missing)}")


def _create_campaign(state: EmulatorState, order: SendOrder) -> tuple[Campaign, CampaignActivity]:
    now = state.stamp()
    campaign, primary, permalink = new_campaign(state, order.name, now)
    campaign.current_status = "Done"
    sent_at = order.sent_at if order.sent_at is not None else now - HOUR_US
    for activity in (primary, permalink):
        activity.current_status = "DONE"
        activity.sent_at = sent_at
    primary.contact_list_ids = tuple(order.list_ids)
    campaign_store(state).add_campaign(campaign, primary, permalink)
    return campaign, primary


def active_members(state: EmulatorState, list_ids: tuple[str, ...]) -> list[Contact]:
    """Who a send reaches, in a stable order so a seed always picks the same people."""
    ids: set[str] = set()
    for list_id in list_ids:
        ids |= state.members.get(list_id, set())
    found = (state.contacts.by_id.get(i) for i in ids)
    active = [c for c in found if c and c.email and not c.is_deleted and not c.is_unsubscribed]
    return sorted(active, key=lambda c: (c.created_at, c.contact_id))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    choice: str = rng.choices(values, weights)[0]
    return choice


def _simulate(
    rng: random.Random, activity: CampaignActivity, recipients: list[Contact], rates: Rates
) -> list[Track]:
    sent_at = activity.sent_at or 0
    tracks: list[Track] = []
    for contact in recipients:
        row = _row_maker(activity, contact, sent_at)
        tracks.append(row("sends", 0))
        if rng.random() < rates.bounce:
            tracks.append(_bounce(rng, row))
            continue
        tracks.extend(_engagement(rng, row, rates, activity.links, sent_at))
        if rng.random() < rates.optout:
            optout = row("optouts", rng.randrange(1, HOUR_US))
            optout.reason = rng.choice(OPT_OUT_REASONS)
            tracks.append(optout)
    return tracks


RowMaker = Callable[[str, int], Track]


def _row_maker(activity: CampaignActivity, contact: Contact, sent_at: int) -> RowMaker:
    def row(kind: str, delay: int) -> Track:
        activity_id, email = activity.campaign_activity_id, contact.email or ""
        return Track(kind, activity_id, contact.contact_id, email, sent_at + delay)

    return row


def _bounce(rng: random.Random, row: RowMaker) -> Track:
    bounce = row("bounces", rng.randrange(1, 60_000_000))
    bounce.code = _pick(rng, BOUNCE_CODES)
    return bounce


def _engagement(
    rng: random.Random,
    row: RowMaker,
    rates: Rates,
    links: tuple[tuple[str, str], ...],
    sent_at: int,
) -> list[Track]:
    if rates.open <= 0 or rng.random() >= rates.open:
        return []
    device = _pick(rng, DEVICES)
    opens = [row("opens", rng.randrange(1, HOUR_US)) for _ in range(rng.randint(1, 3))]
    first_open = min(t.at for t in opens)
    window = sent_at + HOUR_US - first_open  # follow-ups land before the hour is over
    later = [row(kind, 0) for kind in _followups(rng, rates, links)]
    for track in [*opens, *later]:
        track.device = device if track.kind != "forwards" else None
    for track in later:
        track.at = first_open + rng.randrange(0, max(1, window))
        if track.kind == "clicks":
            track.url_id, track.link_url = rng.choice(links)
    return opens + later


def _followups(rng: random.Random, rates: Rates, links: tuple[tuple[str, str], ...]) -> list[str]:
    # Clicks and forwards come from openers: the rate among openers is rate / open rate.
    # An e-mail without links gets no clicks (the draw is made all the same, so a seed
    # picks the same people whatever the links).
    kinds = []
    if rng.random() < min(1.0, rates.click / rates.open) and links:
        kinds.append("clicks")
    if rng.random() < min(1.0, rates.forward / rates.open):
        kinds.append("forwards")
    return kinds


def _apply_optouts(state: EmulatorState, optouts: list[Track]) -> None:
    """Each opt-out row is the contact's own unsubscribe, dated when it is applied."""
    for track in sorted(optouts, key=lambda t: t.at):
        contact = state.contacts.by_id.get(track.contact_id)
        if contact is None or contact.is_unsubscribed:
            continue
        track.at = unsubscribe_by_contact(state, contact, track.reason or "")


def unsubscribe_by_contact(state: EmulatorState, contact: Contact, reason: str) -> int:
    """The contact clicked an unsubscribe link (opt_out_source = Contact, facts §6).

    Goes through the same rule as every other opt-out; returns the opt-out instant.
    """
    unsubscribe(state, contact, "Contact", reason)
    state.touch(contact, "Contact")
    return contact.opt_out_date or contact.updated_at


def seed_campaigns(state: EmulatorState, count: int, seed: int) -> list[str]:
    """``count`` campaigns sent to every live list, a day apart, the last one yesterday."""
    with state.lock:
        list_ids = tuple(lst.list_id for lst in state.live_lists())
        taken = campaign_store(state).names()
        now = state.now()
        ids = []
        for i in range(count):
            name = _free_name(f"Seeded newsletter {seed}-{i + 1}", taken)
            taken.add(name.lower())
            sent_at = now - (count - i) * DAY_US
            order = SendOrder(name, list_ids, Rates(), seed * 1000 + i, sent_at)
            ids.append(send_campaign(state, order).campaign_id)
        return ids


def _free_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate
