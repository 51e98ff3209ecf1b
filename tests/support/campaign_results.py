"""Campaign results written straight into the store, as a stats pull would leave them:
for the report tests, which read them back without an emulator.

`seed_results` stores, for one connection:
- CAMPAIGN "Frühjahrs-Appell ✿ 2026" (sent 2026-03-10): A1 opened 3 times, clicked two
  links and forwarded it; A2 hard-bounced (B); A3 opened and opted out; A10 was only
  sent it; contact c-x9 (zoë@example.net) is linked to no account and opened it.
  Counters: 4 sends, 2 opens, 1 click, 1 forward, 1 opt-out, 1 bounce: open rate 66.7 %.
- FROZEN "Winter news" (sent 2025-12-01, frozen): A1 opened it once; open rate 50 %.
- HIDDEN "Never shown" (sent 2026-04-01, not included): rows of A1 that no report shows.
- with `hostile=True`, HOSTILE `=HYPERLINK("x")` (sent 2026-02-01): A1 clicked a link
  starting with `=`, to check that no export writes a formula.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.models import CampaignEvent, CcCampaign

CAMPAIGN, FROZEN, HIDDEN, HOSTILE = "c-spring", "c-winter", "c-hidden", "c-hostile"
SPRING_NAME = "Frühjahrs-Appell ✿ 2026"
HOSTILE_NAME = '=HYPERLINK("x")'
HOSTILE_LINK = "=cmd|' /C calc'!A0"
DONATE, NEWS = "https://example.org/donate?ref=früh", "https://example.org/news"
SPRING_SENT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def at(hours: float, start: datetime = SPRING_SENT) -> datetime:
    return start + timedelta(hours=hours)


def seed_results(store: Store, connection: str = "default", hostile: bool = False) -> int:
    """The campaigns above, stored for `connection`; its id."""
    cid = connection_id(store, connection)
    with store.session() as session:
        for campaign, events in _campaigns(hostile):
            session.add(CcCampaign(connection_id=cid, **campaign))
            session.add_all(
                CampaignEvent(connection_id=cid, campaign_id=campaign["campaign_id"], **e)
                for e in events
            )
    return cid


def _event(
    kind: str, contact: str, account: str | None, when: datetime, detail: str = "", key: str = ""
) -> dict[str, Any]:
    email = {"c-x9": "zoë@example.net"}.get(contact, f"{contact[2:]}@example.org")
    return {
        "kind": kind,
        "cc_contact_id": contact,
        "account_id": account,
        "email": email,
        "at": when,
        "detail": detail,
        "detail_key": key or detail[:64],
    }


def _spring_events() -> list[dict[str, Any]]:
    sends = [_event("sends", f"c-{a.lower()}", a, at(0)) for a in ("A1", "A2", "A3", "A10")]
    return [
        *sends,
        _event("sends", "c-x9", None, at(0)),
        *(_event("opens", "c-a1", "A1", at(h)) for h in (1, 2, 3)),
        _event("clicks", "c-a1", "A1", at(1.1), DONATE, "u1"),
        _event("clicks", "c-a1", "A1", at(1.2), NEWS, "u2"),
        _event("forwards", "c-a1", "A1", at(2.5)),
        _event("bounces", "c-a2", "A2", at(0.1), "B"),
        _event("opens", "c-a3", "A3", at(5)),
        _event("optouts", "c-a3", "A3", at(26), "no longer interested"),
        _event("opens", "c-x9", None, at(4)),
    ]


def _campaigns(hostile: bool) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    winter = datetime(2025, 12, 1, 9, 30, tzinfo=UTC)
    hidden = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    found = [
        (
            _campaign(
                CAMPAIGN,
                SPRING_NAME,
                SPRING_SENT,
                sends=4,
                opens=2,
                opens_all=4,
                clicks=1,
                clicks_all=2,
                forwards=1,
                optouts=1,
                bounces=1,
                not_opened=1,
            ),
            _spring_events(),
        ),
        (
            _campaign(
                FROZEN,
                "Winter news",
                winter,
                frozen=True,
                sends=2,
                opens=1,
                opens_all=1,
                not_opened=1,
            ),
            [_event("sends", "c-a1", "A1", winter), _event("opens", "c-a1", "A1", at(1, winter))],
        ),
        (
            _campaign(HIDDEN, "Never shown", hidden, included=False, sends=9, opens=9),
            [_event("sends", "c-a1", "A1", hidden), _event("opens", "c-a1", "A1", at(1, hidden))],
        ),
    ]
    if hostile:
        sent = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
        found.append(
            (
                _campaign(HOSTILE, HOSTILE_NAME, sent, sends=1, opens=1, clicks=1),
                [
                    _event("sends", "c-a1", "A1", sent),
                    _event("clicks", "c-a1", "A1", at(1, sent), HOSTILE_LINK, "u9"),
                ],
            )
        )
    return found


def _campaign(campaign_id: str, name: str, sent_at: datetime, **values: Any) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "name": name,
        "sent_at": sent_at,
        "list_ids": ["l-1"],
        "pulled_at": datetime(2026, 4, 2, tzinfo=UTC),
        **values,
    }
