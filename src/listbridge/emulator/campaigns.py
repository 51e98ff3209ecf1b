"""Email campaigns, their activities and the tracking rows a send leaves behind.

The store hangs off ``EmulatorState`` as the extension ``"campaigns"`` (see ``state.py``),
so ``POST /__emulator__/reset`` empties it and ``--state`` persists it. Callers hold
``state.lock`` while they read or change it, like every other part of the state.

A campaign (D:EmailCampaigns, title-case status) owns a ``primary_email`` and a
``permalink`` activity (D:EmailCampaignActivity, upper-case status). Tracking rows belong to
the primary activity, one list per kind, newest first, because every report reads them so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from listbridge.emulator.model import Record
from listbridge.emulator.state import EmulatorState

EXTENSION = "campaigns"
#: the V2 campaignId of the first campaign (V2 ids are 13-digit numbers, e.g. 1100567546598)
V2_FIRST = 1_100_000_000_001
KINDS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")
# The activity types the contact reports use for each kind of row (facts §10.4).
ACTIVITY_TYPES = {
    "sends": "em_sends",
    "opens": "em_opens",
    "clicks": "em_clicks",
    "forwards": "em_forwards",
    "optouts": "em_optouts",
    "bounces": "em_bounces",
}


class Campaign(Record):
    __slots__ = (
        "campaign_id",
        "created_at",
        "current_status",
        "name",
        "permalink_activity_id",
        "primary_activity_id",
        "resend_activity_id",
        "type",
        "type_code",
        "updated_at",
        "v2_campaign_id",
    )

    def __init__(self, campaign_id: str, name: str, now: int) -> None:
        self.campaign_id = campaign_id
        self.name = name
        self.type = "NEWSLETTER"
        self.type_code = 10
        self.current_status = "Draft"
        self.created_at = now
        self.updated_at = now
        self.primary_activity_id = ""
        self.permalink_activity_id = ""
        # the campaign's one resend to non-openers (role ``resend``), while it has one
        self.resend_activity_id: str | None = None
        # The V2 API's campaignId of this campaign (GET /emails/campaign_id_xrefs); the store
        # numbers its campaigns in creation order, V2-like 13 digits (see V2_FIRST)
        self.v2_campaign_id: str | None = None


class CampaignActivity(Record):
    __slots__ = (
        "abtest",
        "campaign_activity_id",
        "campaign_id",
        "contact_list_ids",
        "current_status",
        "delay_minutes",
        "document_properties",
        "from_email",
        "from_name",
        "html_content",
        "links",
        "physical_address",
        "preheader",
        "prior_status",
        "reply_to_email",
        "resend_request_id",
        "role",
        "scheduled_at",
        "segment_ids",
        "send_history",
        "sent_at",
        "subject",
    )

    def __init__(self, activity_id: str, campaign: Campaign, role: str) -> None:
        self.campaign_activity_id = activity_id
        self.campaign_id = campaign.campaign_id
        self.role = role
        self.current_status = "DRAFT"
        self.contact_list_ids: tuple[str, ...] = ()
        self.segment_ids: tuple[int, ...] = ()
        self.subject = campaign.name
        self.preheader = ""
        self.sent_at: int | None = None
        # ((url_id, link_url), ...): the links of the e-mail, for click rows
        self.links: tuple[tuple[str, str], ...] = ()
        # None: the account owner's name and address (campaigns made by the send control)
        self.from_name: str | None = None
        self.from_email: str | None = None
        self.reply_to_email: str | None = None
        self.html_content: str | None = None
        # D:EmailPhysicalAddress and document_properties as last PUT (None: the account's)
        self.physical_address: dict[str, Any] | None = None
        self.document_properties: dict[str, Any] | None = None
        # SCHEDULED: when it goes out; prior_status: what an unschedule reverts to
        self.scheduled_at: int | None = None
        self.prior_status: str | None = None
        # D:EmailSendHistory rows: (send_id, list_ids, segment_ids, count, run_date,
        # send_status, reason_code), oldest first
        self.send_history: tuple[tuple[Any, ...], ...] = ()
        # D:ABTestData of a primary_email activity, while it has one
        self.abtest: dict[str, Any] | None = None
        # a resend activity: its delay after the primary's send and its request id
        self.delay_minutes: int | None = None
        self.resend_request_id: str | None = None


class Track(Record):
    """One tracking row. ``email`` is the address the e-mail went to at send time."""

    __slots__ = (
        "activity_id",
        "at",
        "code",
        "contact_id",
        "device",
        "email",
        "kind",
        "link_url",
        "reason",
        "url_id",
    )

    def __init__(self, kind: str, activity_id: str, contact_id: str, email: str, at: int) -> None:
        self.kind = kind
        self.activity_id = activity_id
        self.contact_id = contact_id
        self.email = email
        self.at = at
        self.device: str | None = None
        self.url_id: str | None = None
        self.link_url: str | None = None
        self.code: str | None = None
        self.reason: str | None = None


class CampaignStore:
    """Campaigns in creation order, activities by id, rows by activity and by contact."""

    def __init__(self) -> None:
        self.campaigns: dict[str, Campaign] = {}
        self.activities: dict[str, CampaignActivity] = {}
        self.rows: dict[str, dict[str, list[Track]]] = {}
        self.by_contact: dict[str, list[Track]] = {}
        # (activity_id, report kind) -> rows computed from the stored ones (see reporting)
        self.derived: dict[tuple[str, str], list[Track]] = {}
        # the earliest scheduled_at of a SCHEDULED activity (None: nothing is scheduled)
        self.next_due: int | None = None
        self.sweeping = False
        # test sends by UTC day ("YYYY-MM-DD" -> recipients), for the 50-a-day quota
        self.test_sends: dict[str, int] = {}

    def reschedule(self) -> None:
        """Recompute ``next_due`` after an activity was scheduled, unscheduled or sent."""
        due = [
            a.scheduled_at
            for a in self.activities.values()
            if a.current_status == "SCHEDULED" and a.scheduled_at is not None
        ]
        self.next_due = min(due, default=None)

    def add_campaign(self, campaign: Campaign, *activities: CampaignActivity) -> None:
        self._number(campaign)
        self.campaigns[campaign.campaign_id] = campaign
        for activity in activities:
            self.activities[activity.campaign_activity_id] = activity

    def _number(self, campaign: Campaign) -> None:
        if campaign.v2_campaign_id is None:
            taken = [int(c.v2_campaign_id) for c in self.campaigns.values() if c.v2_campaign_id]
            campaign.v2_campaign_id = str(max(taken, default=V2_FIRST - 1) + 1)

    def by_v2_id(self) -> dict[str, Campaign]:
        return {c.v2_campaign_id: c for c in self.campaigns.values() if c.v2_campaign_id}

    def names(self) -> set[str]:
        return {c.name.lower() for c in self.campaigns.values()}

    def record(self, activity_id: str, tracks: list[Track]) -> None:
        """Store a send's rows; each kind is kept newest first, as the reports list them."""
        kinds = self.rows.setdefault(activity_id, {kind: [] for kind in KINDS})
        self.derived = {k: v for k, v in self.derived.items() if k[0] != activity_id}
        for track in tracks:
            kinds[track.kind].append(track)
            self.by_contact.setdefault(track.contact_id, []).append(track)
        for rows in kinds.values():
            rows.sort(key=lambda t: t.at, reverse=True)

    def tracks(self, activity_id: str, kind: str) -> list[Track]:
        return self.rows.get(activity_id, {}).get(kind, [])

    def campaign_of(self, activity_id: str) -> Campaign | None:
        activity = self.activities.get(activity_id)
        return self.campaigns.get(activity.campaign_id) if activity else None

    def dump(self) -> dict[str, Any]:
        tracks = [t.dump() for kinds in self.rows.values() for rows in kinds.values() for t in rows]
        return {
            "campaigns": [c.dump() for c in self.campaigns.values()],
            "activities": [a.dump() for a in self.activities.values()],
            "tracks": tracks,
            "test_sends": dict(self.test_sends),
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> CampaignStore:
        store = cls()
        for raw in data.get("campaigns", []):
            campaign = Campaign.load(raw)
            store._number(campaign)  # a state saved before campaigns had V2 ids
            store.campaigns[campaign.campaign_id] = campaign
        for raw in data.get("activities", []):
            activity = CampaignActivity.load(raw)
            activity.contact_list_ids = activity.contact_list_ids or ()
            activity.links = activity.links or ()
            activity.segment_ids = activity.segment_ids or ()
            activity.send_history = activity.send_history or ()
            store.activities[activity.campaign_activity_id] = activity
        by_activity: dict[str, list[Track]] = {}
        for raw in data.get("tracks", []):
            track = Track.load(raw)
            by_activity.setdefault(track.activity_id, []).append(track)
        for activity_id, tracks in by_activity.items():
            store.record(activity_id, tracks)
        for activity in store.activities.values():
            sendable = activity.role != "permalink" and activity.sent_at is not None
            if sendable and not activity.send_history:
                activity.send_history = _history_of(store, activity)
        store.test_sends = dict(data.get("test_sends", {}))
        store.reschedule()
        return store


def _history_of(store: CampaignStore, activity: CampaignActivity) -> tuple[tuple[Any, ...], ...]:
    """A state saved before activities kept a send history: one send, to every recipient."""
    sends = store.tracks(activity.campaign_activity_id, "sends")
    count = len({t.contact_id for t in sends})
    lists = activity.contact_list_ids
    return ((1, lists, (), count, activity.sent_at, "COMPLETED", 0 if count else 12),)


#: Sends the activities whose scheduled time has come (campaign_schedule registers it at
#: import: it builds on this module, so this module cannot import it). Every reader of the
#: store goes through ``campaign_store``, so a report never shows a campaign still
#: scheduled after its time.
DueSender = Callable[[EmulatorState, "CampaignStore"], None]
DUE_SENDERS: list[DueSender] = []


def campaign_store(state: EmulatorState) -> CampaignStore:
    """The state's campaign store, created on first use."""
    store: CampaignStore = state.ensure_extension(EXTENSION, CampaignStore)
    state.campaigns = store
    if store.next_due is not None and not store.sweeping and store.next_due <= state.now():
        with state.lock:  # a sender sets ``sweeping``: it reads the store too
            for sender in DUE_SENDERS:
                sender(state, store)
    return store


def new_campaign(
    state: EmulatorState, name: str, now: int
) -> tuple[Campaign, CampaignActivity, CampaignActivity]:
    """A campaign and its primary_email and permalink activities, linked to each other:
    (campaign, primary, permalink); the caller fills them in and adds them to the store."""
    campaign = Campaign(state.new_id(), name, now)
    primary = CampaignActivity(state.new_id(), campaign, "primary_email")
    permalink = CampaignActivity(state.new_id(), campaign, "permalink")
    campaign.primary_activity_id = primary.campaign_activity_id
    campaign.permalink_activity_id = permalink.campaign_activity_id
    return campaign, primary, permalink
