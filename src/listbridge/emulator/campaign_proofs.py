"""What an author checks around a send: test sends (50 recipients a day, 5 at a time), the
HTML preview, and the send history. Callers hold ``state.lock``."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from listbridge.emulator.account_profile import AccountProfile
from listbridge.emulator.campaign_edit import live_activity, primary_activity
from listbridge.emulator.campaign_schemas import SendTestIn
from listbridge.emulator.campaigns import CampaignActivity, CampaignStore
from listbridge.emulator.errors import bad_request
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso, iso_date

TESTS_A_DAY = 50
TRACKING_IMAGE = "[[trackingImage]]"


def send_test(
    state: EmulatorState, store: CampaignStore, activity_id: str, body: SendTestIn
) -> None:
    """Nothing is delivered, so the addresses are taken as written (the schema gives them no
    format); an empty list sends nothing and uses none of the day's 50."""
    primary_activity(store, activity_id, "be test sent")
    day = iso_date(state.now()) or ""
    used = store.test_sends.get(day, 0)
    if used + len(body.email_addresses) > TESTS_A_DAY:
        raise bad_request(
            f"email_addresses: {len(body.email_addresses)} more test emails would pass the "
            f"limit of {TESTS_A_DAY} a day ({used} sent today)"
        )
    store.test_sends = {day: used + len(body.email_addresses)}  # earlier days no longer count


def html_of(activity: CampaignActivity) -> str:
    """The activity's HTML; a campaign made by the send control has a generated one."""
    if activity.html_content is not None:
        return activity.html_content
    return f"<html><body>{TRACKING_IMAGE}<h1>{activity.subject}</h1></body></html>"


def preview(store: CampaignStore, activity_id: str, account: AccountProfile) -> dict[str, Any]:
    """D:EmailCampaignActivityPreview: the HTML without the tracking image, and its text."""
    activity = live_activity(store, activity_id)
    html = html_of(activity).replace(TRACKING_IMAGE, "")
    return {
        "campaign_activity_id": activity.campaign_activity_id,
        "from_email": activity.from_email or account.contact_email,
        "from_name": activity.from_name or account.from_name,
        "reply_to_email": activity.reply_to_email or account.contact_email,
        "subject": activity.subject,
        "preheader": activity.preheader,
        "preview_html_content": html,
        "preview_text_content": _text(html),
    }


def send_history(store: CampaignStore, activity_id: str) -> list[dict[str, Any]]:
    """D:EmailSendHistory, oldest first; [] before the first send."""
    activity = live_activity(store, activity_id)
    if activity.role == "permalink":
        raise bad_request(
            f"campaign activity {activity_id} is a permalink: only primary_email and resend "
            "activities have a send history"
        )
    rows = []
    for send_id, lists, segments, count, run_date, status, reason in activity.send_history:
        row: dict[str, Any] = {"send_id": send_id, "contact_list_ids": list(lists)}
        if segments:
            row["segment_ids"] = list(segments)
        row.update(count=count, run_date=iso(run_date), send_status=status, reason_code=reason)
        rows.append(row)
    return rows


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
