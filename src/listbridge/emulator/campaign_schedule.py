"""Scheduling and sending campaign activities: DRAFT -> SCHEDULED -> DONE, and back.

``schedule`` checks what a send needs (recipients, a sender the account has confirmed, a
subject and content) and moves a ``primary_email`` activity in DRAFT, DONE or ERROR to
SCHEDULED; ``unschedule`` reverts it to the status it had before. A scheduled activity is
sent when its time comes (``send_due``, run by every reader of the campaign store) or
earlier by the send control (``send_scheduled``). A send of an activity already DONE
reaches only the contacts it has not reached yet. When a primary_email activity is sent,
its resend to non-openers (if any) is scheduled ``delay_minutes`` after that send and sends
later to the recipients who neither opened nor bounced. Callers hold ``state.lock``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from listbridge.emulator.account_profile import is_confirmed_sender
from listbridge.emulator.campaign_edit import primary_activity, set_status
from listbridge.emulator.campaign_send import Rates, active_members, send_activity
from listbridge.emulator.campaigns import DUE_SENDERS, CampaignActivity, CampaignStore
from listbridge.emulator.errors import ApiError, bad_request
from listbridge.emulator.model import Contact
from listbridge.emulator.segments import member_predicate
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso

SCHEDULABLE = ("DRAFT", "DONE", "ERROR")
#: a send whose time came by itself records the sends alone; engagement comes later
#: (POST /__emulator__/campaigns/{campaign_id}/activity), as real opens trickle in
QUIET = Rates(open=0.0, click=0.0, forward=0.0, bounce=0.0, optout=0.0)


def scheduled_date(text: str, now: int) -> int | None:
    """D:EmailScheduleInput.scheduled_date: ``"0"`` (None: at once), a date (midnight UTC)
    or a date-time. A time already past (the text forbids none) is taken as now: the
    activity is sent at once, and its send is dated when it happens."""
    value = text.strip()
    if value == "0":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(
            f'scheduled_date: {text!r} is not "0", a date or an ISO-8601 date-time'
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        at = int(moment.timestamp()) * 1_000_000 + moment.microsecond
    except (ValueError, OverflowError):  # e.g. 0001-01-01T00:00+01:00, before year 1 in UTC
        return now
    return max(at, now)


def schedule(
    state: EmulatorState, store: CampaignStore, activity_id: str, at: int | None
) -> CampaignActivity:
    activity = primary_activity(store, activity_id, "be scheduled")
    if activity.current_status not in SCHEDULABLE:
        raise bad_request(
            f"campaign activity {activity_id} is {activity.current_status}: only DRAFT, DONE "
            "or ERROR activities can be scheduled"
        )
    _check_sendable(state, activity)
    now = state.stamp()
    activity.prior_status = activity.current_status
    activity.scheduled_at = at if at is not None else now
    set_status(store, activity, "SCHEDULED", now)
    resend = _resend(store, activity)
    if resend is not None and resend.current_status == "DRAFT":
        schedule_resend(state, store, activity, resend)
    store.reschedule()
    if activity.scheduled_at <= now:  # "0" or a past date: out before the answer, so it
        send_due(state, store)  # reaches the lists as they are now
    return activity


def unschedule(state: EmulatorState, store: CampaignStore, activity_id: str) -> None:
    activity = primary_activity(store, activity_id, "be unscheduled")
    if activity.current_status != "SCHEDULED":
        raise bad_request(
            f"campaign activity {activity_id} is {activity.current_status}: only a SCHEDULED "
            "activity can be unscheduled"
        )
    back = activity.prior_status or "DRAFT"
    activity.scheduled_at = activity.prior_status = None
    set_status(store, activity, back, state.stamp())
    resend = _resend(store, activity)
    if resend is not None and back == "DRAFT" and resend.current_status == "SCHEDULED":
        resend.current_status, resend.resend_request_id = "DRAFT", "DRAFT"
        resend.scheduled_at = None
    store.reschedule()


def send_scheduled(
    state: EmulatorState,
    store: CampaignStore,
    activity: CampaignActivity,
    rates: Rates,
    seed: int,
    sent_at: int,
) -> int:
    """Send a SCHEDULED activity now (the send control, or the sweep once its time has
    come); returns how many it reached."""
    if activity.current_status != "SCHEDULED":
        raise ApiError(
            409,
            f"campaign activity {activity.campaign_activity_id} is {activity.current_status}: "
            "schedule it (POST /v3/emails/activities/{id}/schedules) before sending it",
        )
    recipients = _recipients(state, store, activity)
    activity.scheduled_at = activity.prior_status = None
    now = state.stamp()
    if recipients is None:  # its segment was deleted since it was scheduled
        _failed(store, activity, sent_at, now)
        return 0
    send_activity(state, activity, recipients, rates, seed, sent_at)
    set_status(store, activity, "DONE", now)
    if activity.role == "primary_email":
        campaign = store.campaigns[activity.campaign_id]
        permalink = store.activities.get(campaign.permalink_activity_id)
        if permalink is not None:
            permalink.current_status, permalink.sent_at = "DONE", sent_at
        resend = _resend(store, activity)
        if resend is not None and resend.current_status in ("DRAFT", "SCHEDULED"):
            schedule_resend(state, store, activity, resend)
    store.reschedule()
    return len(recipients)


def send_due(state: EmulatorState, store: CampaignStore) -> None:
    """Send every SCHEDULED activity whose time has come, in the order of their times."""
    if store.sweeping:  # a send reads the store, which would start this again
        return
    store.sweeping = True
    try:
        _send_due(state, store)
    finally:
        store.sweeping = False


def _send_due(state: EmulatorState, store: CampaignStore) -> None:
    now = state.now()
    due = [
        a
        for a in store.activities.values()
        if a.current_status == "SCHEDULED" and a.scheduled_at is not None and a.scheduled_at <= now
    ]
    for activity in sorted(due, key=lambda a: a.scheduled_at or 0):
        if activity.current_status == "SCHEDULED":  # a primary's send may reschedule its resend
            send_scheduled(state, store, activity, QUIET, 0, activity.scheduled_at or now)
    store.reschedule()


DUE_SENDERS.append(send_due)


def _recipients(
    state: EmulatorState, store: CampaignStore, activity: CampaignActivity
) -> list[Contact] | None:
    """Who this send reaches; None when its segment can no longer be evaluated."""
    if activity.role == "resend":
        return non_openers(state, store, activity)
    reached = {t.contact_id for t in store.tracks(activity.campaign_activity_id, "sends")}
    members = (
        _segment_members(state, activity.segment_ids[0])
        if activity.segment_ids
        else active_members(state, activity.contact_list_ids)
    )
    return None if members is None else [c for c in members if c.contact_id not in reached]


def _segment_members(state: EmulatorState, segment_id: int) -> list[Contact] | None:
    try:
        selects = member_predicate(state, segment_id)
    except ApiError:
        return None
    found = [
        c
        for c in state.contacts.by_id.values()
        if c.email and not c.is_deleted and not c.is_unsubscribed and selects(c)
    ]
    return sorted(found, key=lambda c: (c.created_at, c.contact_id))


def _failed(store: CampaignStore, activity: CampaignActivity, at: int, now: int) -> None:
    """D:EmailSendHistory ERRORED, reason 1 ("an error occurred ... try scheduling it again")."""
    entry = (
        len(activity.send_history) + 1,
        activity.contact_list_ids,
        activity.segment_ids,
        0,
        at,
        "ERRORED",
        1,
    )
    activity.send_history = (*activity.send_history, entry)
    set_status(store, activity, "ERROR", now)
    store.reschedule()


def non_openers(
    state: EmulatorState, store: CampaignStore, resend: CampaignActivity
) -> list[Contact]:
    """The primary's recipients who neither opened nor bounced and can still be sent to."""
    primary_id = store.campaigns[resend.campaign_id].primary_activity_id
    skip = {t.contact_id for kind in ("opens", "bounces") for t in store.tracks(primary_id, kind)}
    skip |= {t.contact_id for t in store.tracks(resend.campaign_activity_id, "sends")}
    sent = {t.contact_id for t in store.tracks(primary_id, "sends")} - skip
    found = (state.contacts.by_id.get(i) for i in sent)
    live = [c for c in found if c and c.email and not c.is_deleted and not c.is_unsubscribed]
    return sorted(live, key=lambda c: (c.created_at, c.contact_id))


def schedule_resend(
    state: EmulatorState,
    store: CampaignStore,
    primary: CampaignActivity,
    resend: CampaignActivity,
    new: bool = False,
) -> None:
    """Put a resend where its primary is: a draft beside a draft; SCHEDULED its delay after
    the primary's (planned or first) send otherwise. A ``new`` one must not be past already;
    one made earlier is then sent at once."""
    if primary.current_status in ("SCHEDULED", "DONE"):
        first_send = primary.send_history[0][4] if primary.send_history else primary.sent_at
        base = primary.scheduled_at if primary.current_status == "SCHEDULED" else first_send
        at = (base or state.now()) + (resend.delay_minutes or 0) * 60_000_000
        if new and at <= state.now():
            raise bad_request(
                f"the resend would go out {iso(at)}, which is past: the delay counts from the "
                "first send of the campaign"
            )
        if resend.resend_request_id in (None, "DRAFT"):
            resend.resend_request_id = str(_next_request_id(store))
        resend.current_status, resend.scheduled_at = "SCHEDULED", at
    else:
        resend.current_status, resend.resend_request_id, resend.scheduled_at = (
            "DRAFT",
            "DRAFT",
            None,
        )


def _resend(store: CampaignStore, primary: CampaignActivity) -> CampaignActivity | None:
    resend_id = store.campaigns[primary.campaign_id].resend_activity_id
    return store.activities.get(resend_id) if resend_id else None


def _next_request_id(store: CampaignStore) -> int:
    taken = [
        int(a.resend_request_id)
        for a in store.activities.values()
        if a.resend_request_id and a.resend_request_id.isdigit()
    ]
    return max(taken, default=389_092) + 1


def _check_sendable(state: EmulatorState, activity: CampaignActivity) -> None:
    name = f"campaign activity {activity.campaign_activity_id}"
    if not activity.contact_list_ids and not activity.segment_ids:
        raise bad_request(
            f"{name}: has no contact_list_ids or segment_ids; PUT the activity with the "
            "contacts to send to before scheduling it"
        )
    if activity.segment_ids and _segment_members(state, activity.segment_ids[0]) is None:
        raise bad_request(f"{name}: segment {activity.segment_ids[0]} cannot be sent to")
    for field in ("from_email", "reply_to_email"):
        value = getattr(activity, field)
        if value is not None and not is_confirmed_sender(state.account, value):
            raise bad_request(
                f"{name}: {field} {value!r} is not a confirmed account email address "
                "(GET /v3/account/emails?confirm_status=CONFIRMED)"
            )
    for field in ("from_name", "subject"):
        if getattr(activity, field) is not None and not getattr(activity, field).strip():
            raise bad_request(f"{name}: {field} is empty")
