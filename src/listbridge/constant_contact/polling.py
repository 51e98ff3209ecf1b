"""Waiting for bulk activities to end: a backoff of polls, scaled to what was sent.

`Bulk` (bulk.py) submits activities and remembers their ids; a `Poller` takes an activity
(or a set of ids) from there and polls until each has ended. One activity is read by id
(`Poller.wait`), each read after a sleep: the first sleep gives the service the time to
work, so nothing is read before it; for one of a set submitted one after the other, that
first sleep counts from its submission, not from when its turn to be waited for came.
A set is waited for with one page of `GET /activities?limit=500` a round
(`Poller.wait_all`), whose items are whole activities: state, status counts and
`activity_errors` (spec D:Activities). One left off the page (or alone) is read by id.

The first wait is scaled to the size of what was sent (`Poller.scaled`): the service works
through an activity's rows at a rate, so a poll before it can have finished only costs a call;
a small set still starts from `Poller.first`, and no first wait passes `Poller.first_cap`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ActivityUnfinishedError, NotFoundError
from listbridge.constant_contact.models import Activity

#: told each activity as it is read: (its key or id, what was read)
Progress = Callable[[str, Activity], None]
COLLECTION_PAGE = 500  # what a collective poll reads (`GET /activities` takes 1–500)


def quiet(_key: str, _activity: Activity) -> None:
    """A `Progress` that tells no one."""
    return None


@dataclass
class Poller:
    first: float = 0.5
    factor: float = 2.0
    cap: float = 15.0
    timeout: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    #: seconds of the first wait per item sent (`scaled`): Constant Contact publishes no
    #: rate; the emulator works through 2,500-30,000 rows a second on a busy 2-core machine
    #: (a first wait too short costs a poll; one too long, no more than the wait itself)
    per_item: float = 1 / 2_500
    #: the longest first wait, however much was sent (a slower service: the backoff follows)
    first_cap: float = 5.0

    def scaled(self, items: int) -> Poller:
        """This poller, its first wait long enough for ``items`` rows at ``per_item`` each:
        never shorter than ``first`` (a small set is not slowed), never past ``first_cap``
        or ``cap``."""
        longest = max(self.first, min(self.first_cap, self.cap))
        return replace(self, first=min(longest, max(self.first, items * self.per_item)))

    def wait(
        self, client: ConstantContact, activity: Activity, progress: Progress,
        since: float | None = None,
    ) -> Activity:  # fmt: skip
        """``activity`` (as submitted, or as last read) at its end: a sleep, then a read.
        ``since``: the `clock` when it was submitted; its first wait counts from then (one of
        a set submitted together has had its time while those before it were polled)."""
        delay, deadline = self.first, self.clock() + self.timeout
        pause = delay if since is None else max(0.0, since + delay - self.clock())
        while not activity.finished:
            if self.clock() > deadline:
                raise ActivityUnfinishedError([activity.activity_id], activity.state, self.timeout)
            self.sleep(pause)
            delay = pause = min(self.cap, delay * self.factor)
            activity = client.get_activity(activity.activity_id)
            progress(activity.activity_id, activity)
        return activity

    def wait_all(
        self, client: ConstantContact, ids: Sequence[str], progress: Progress = quiet,
        missing_ok: bool = False,
    ) -> dict[str, Activity]:  # fmt: skip
        """Every activity of ``ids`` at its end, from one collection page a round (with the
        same backoff as ``wait``). ``missing_ok``: one CC no longer knows is left out
        (a killed push's, past the 10 days CC keeps them) instead of an error."""
        pending, done = set(ids), {}
        delay, deadline = self.first, self.clock() + self.timeout
        by_id = False  # the collection showed none of them: read them one by one
        while pending:
            if self.clock() > deadline:
                raise ActivityUnfinishedError(sorted(pending), "not finished", self.timeout)
            self.sleep(delay)
            delay = min(self.cap, delay * self.factor)
            paged = not by_id and len(pending) > 1  # one alone: its own small answer
            seen = _on_page(client, pending) if paged else {}
            by_id = by_id or (paged and not seen)
            for activity_id in sorted(pending - seen.keys()):
                found = _by_id(client, activity_id, missing_ok)
                if found is None:
                    pending.discard(activity_id)
                else:
                    seen[activity_id] = found
            for activity_id, activity in seen.items():
                progress(activity_id, activity)
                if activity.finished:
                    done[activity_id] = activity
                    pending.discard(activity_id)
        return done


def _on_page(client: ConstantContact, wanted: set[str]) -> dict[str, Activity]:
    page = client.recent_activities(COLLECTION_PAGE)
    return {a.activity_id: a for a in page if a.activity_id in wanted}


def _by_id(client: ConstantContact, activity_id: str, missing_ok: bool) -> Activity | None:
    try:
        return client.get_activity(activity_id)
    except NotFoundError:
        if missing_ok:
            return None
        raise
