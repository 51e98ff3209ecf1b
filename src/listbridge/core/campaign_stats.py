"""Campaign results, as pure rules: which campaigns a pull reads, which tracking reports
it reads again, where a report's newest-first pages stop, how counters become rates, and
what one recipient did.

Constant Contact's tracking reports come newest first and take no "since" (facts §10.3):
a pull reads a report's pages down to the newest row it read last time (the report's
watermark) and stops there. Rows at the watermark's very instant are read again and
stored once (the store's unique key), so two rows of one second split across pulls are
both kept. The counters tell whether a report has anything new at all: a report whose
counter did not move since the last pull is not read (a pull with nothing new costs the
counters' calls alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: the tracking reports a pull reads, each a kind of row it stores
TRACKED_KINDS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")

#: D:BouncesTrackingActivity codes that mean the address itself is bad: B non-existent
#: address, D undeliverable. The others (mailbox full, suspended, vacation, blocked,
#: other) are passing or about the message, not the address.
HARD_BOUNCE_CODES = frozenset({"B", "D"})
BOUNCE_NAMES = {
    "B": "non-existent address",
    "D": "undeliverable",
    "F": "mailbox full",
    "S": "suspended",
    "V": "vacation or auto-reply",
    "X": "other",
    "Z": "blocked",
}


def is_hard_bounce(code: str) -> bool:
    return code.strip().upper() in HARD_BOUNCE_CODES


@dataclass(frozen=True)
class Counters:
    """A campaign activity's counters as the stats report gives them (unique recipients,
    but for `opens_all` and `clicks_all`, which count every open and click)."""

    sends: int = 0
    opens: int = 0
    opens_all: int = 0
    clicks: int = 0
    clicks_all: int = 0
    forwards: int = 0
    optouts: int = 0
    bounces: int = 0
    abuse: int = 0
    not_opened: int = 0

    @property
    def delivered(self) -> int:
        return max(0, self.sends - self.bounces)

    @property
    def open_rate(self) -> float:
        """Unique opens per delivered e-mail, in percent (CC's open rate)."""
        return percent(self.opens, self.delivered)

    @property
    def click_rate(self) -> float:
        """Unique clickers per opener, in percent (D:PercentsEmail.click: "of openers")."""
        return percent(self.clicks, self.opens)

    @property
    def bounce_rate(self) -> float:
        return percent(self.bounces, self.sends)

    @property
    def optout_rate(self) -> float:
        return percent(self.optouts, self.delivered)

    def report_counter(self, kind: str) -> int:
        """The counter that grows when the `kind` report gains a row."""
        return int(getattr(self, REPORT_COUNTER[kind]))


#: which counter moves when a tracking report gains a row (an open or click again by
#: the same contact moves only the `_all` counters)
REPORT_COUNTER = {
    "sends": "sends",
    "opens": "opens_all",
    "clicks": "clicks_all",
    "forwards": "forwards",
    "optouts": "optouts",
    "bounces": "bounces",
}


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


def reports_to_read(
    before: Counters | None, now: Counters, watermarks: dict[str, str]
) -> tuple[str, ...]:
    """The tracking reports a pull reads: those never read to the end, and those whose
    counter moved since the last pull (`before`: the counters it saved)."""
    return tuple(
        kind
        for kind in TRACKED_KINDS
        if kind not in watermarks
        or before is None
        or now.report_counter(kind) != before.report_counter(kind)
    )


def is_frozen(sent_at: datetime | None, now: datetime, window_days: int) -> bool:
    """A campaign sent longer ago than the window is not pulled again."""
    return sent_at is not None and sent_at < now - timedelta(days=window_days)


@dataclass(frozen=True)
class PageCut:
    """What a page of a newest-first report holds beyond the watermark."""

    #: how many of the page's rows are new (they come first)
    keep: int
    #: the page reached the watermark: the pages after it hold nothing new
    done: bool


def cut_page(times: Sequence[datetime], watermark: datetime | None) -> PageCut:
    """Where a newest-first page meets the watermark; rows at the watermark's instant are
    kept (the store keeps each row once), those older end the report."""
    if watermark is None:
        return PageCut(len(times), False)
    keep = 0
    for at in times:
        if at < watermark:
            return PageCut(keep, True)
        keep += 1
    return PageCut(keep, False)


@dataclass(frozen=True)
class Event:
    """One stored tracking row, as the reports read it back."""

    kind: str
    at: datetime
    detail: str = ""


@dataclass
class RecipientResult:
    """What one recipient did with one campaign."""

    sent_at: datetime | None = None
    opens: int = 0
    clicks: int = 0
    links: list[str] = field(default_factory=list)
    forwards: int = 0
    opted_out_at: datetime | None = None
    bounced_at: datetime | None = None
    bounce_code: str = ""

    @property
    def opened(self) -> bool:
        # a click is an open in CC's counting, even when the open pixel did not load
        return self.opens > 0 or self.clicks > 0

    @property
    def hard_bounce(self) -> bool:
        return is_hard_bounce(self.bounce_code)


def recipient_result(events: Iterable[Event]) -> RecipientResult:
    """One recipient's rows of one campaign, summed up; links in the order first clicked."""
    result = RecipientResult()
    for event in sorted(events, key=lambda e: e.at):
        if event.kind == "sends":
            result.sent_at = event.at
        elif event.kind == "opens":
            result.opens += 1
        elif event.kind == "clicks":
            result.clicks += 1
            if event.detail and event.detail not in result.links:
                result.links.append(event.detail)
        elif event.kind == "forwards":
            result.forwards += 1
        elif event.kind == "optouts":
            result.opted_out_at = result.opted_out_at or event.at
        elif event.kind == "bounces":
            result.bounced_at, result.bounce_code = event.at, event.detail
    return result
