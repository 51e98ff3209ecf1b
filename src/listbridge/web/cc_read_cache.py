"""Answers a screen read from Constant Contact, kept a short while for everyone (issue 20).

/lists reads the account's lists on every view (`lists ls`), and /lists/NAME with a CRM
held elsewhere reads the list's contacts. Those calls draw on the account's 4 requests a
second and 10,000 a day, which the jobs need: 50 people browsing during a 100,000-account
push spent 430 of them in 5.6 minutes. So a screen asks this cache, in this order:

- kept: an answer read for the same connection and the same thing less than `ttl`
  seconds ago, while the store's *marker* is unchanged, is shown again, to every user and
  request of this process (one server process serves them all; `serve` starts one);
- the marker is the connection's latest run, started or finished: a list made, renamed or
  deleted here or with the CLI, and a job finishing (which may have changed lists or their
  members), are runs, so the next view reads again at once, in whatever process the change
  was made; the web's own changes also `forget` the connection's answers;
- one read at a time for one thing: when an answer has expired, the people opening the
  page at that moment wait for the one read under way instead of each making their own;
- "Read again" (`refresh`) drops the answer unless it was read less than `refresh_floor`
  seconds ago: a double click, or everyone pressing it at once, costs one read;
- a read that fails is not kept: the next view tries again.

The page says when its answer was read (`Reading.read_at`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from fastapi import Request
from sqlalchemy import func, select

from listbridge.store.db import Store
from listbridge.store.models import Run
from listbridge.web.app_state import made_once

T = TypeVar("T")

#: Seconds an answer is shown again. A person glancing at a table of lists expects it a
#: minute old at most, and a change made through listbridge is shown at once anyway (the
#: marker); at one read a minute, a screen kept open all day costs 1,440 calls, where one
#: read per view cost 430 in 5.6 minutes with 50 people. No setting: design.md has no key
#: for it, and "Read again" covers the wish for a newer figure.
CC_READ_TTL = 60.0
#: Seconds after a read during which "Read again" reads nothing more.
REFRESH_FLOOR = 5.0
#: answers kept at most (a connection's lists, and one roster per list looked at)
MAX_ENTRIES = 256

Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Reading(Generic[T]):
    value: T
    #: when it was read from Constant Contact (what the page shows)
    read_at: datetime
    #: the cache's clock then (for the ttl)
    at: float
    marker: Hashable


class CcReadCache:
    def __init__(
        self,
        ttl: float = CC_READ_TTL,
        refresh_floor: float = REFRESH_FLOOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.refresh_floor = refresh_floor
        self._clock = clock
        self._lock = threading.Lock()
        #: each key's answer, whatever its reader returns (the key says which)
        self._entries: OrderedDict[Key, Reading[Any]] = OrderedDict()
        self._reading: dict[Key, threading.Lock] = {}

    def get(self, key: Key, marker: Hashable, read: Callable[[], T]) -> Reading[T]:
        """The kept answer for `key` when current for `marker`, else `read()`'s, kept.

        `key` starts with the connection's id; `marker` is taken before `read` runs, so a
        change made during the read makes the next view read again."""
        with self._lock:
            one_at_a_time = self._reading.setdefault(key, threading.Lock())
        with one_at_a_time:
            found = self._current(key, marker)
            if found is not None:
                return found
            reading = Reading(read(), datetime.now(UTC), self._clock(), marker)
            with self._lock:
                self._entries[key] = reading
                self._entries.move_to_end(key)
                while len(self._entries) > MAX_ENTRIES:
                    gone, _ = self._entries.popitem(last=False)
                    self._reading.pop(gone, None)
            return reading

    def refresh(self, key: Key) -> bool:
        """Drop `key`'s answer so that the next view reads again; False (kept) when it was
        read less than `refresh_floor` seconds ago."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and self._clock() - found.at < self.refresh_floor:
                return False
            self._entries.pop(key, None)
            return True

    def forget(self, connection_id: int) -> None:
        """Every answer about the connection: listbridge itself just changed its lists."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == connection_id]:
                del self._entries[key]

    def _current(self, key: Key, marker: Hashable) -> Reading[Any] | None:
        with self._lock:
            found = self._entries.get(key)
        if found is None or found.marker != marker or self._clock() - found.at >= self.ttl:
            return None
        return found


def cc_reads_of(request: Request) -> CcReadCache:
    """The app's cache, made on first use (a test may set its own)."""
    return made_once(request, "cc_reads", CcReadCache)


def runs_marker(store: Store, connection_id: int) -> Hashable:
    """The connection's latest run started and latest finished (two index-sized reads)."""
    with store.session() as session:
        latest, finished = session.execute(
            select(func.max(Run.id), func.max(Run.finished_at)).where(
                Run.connection_id == connection_id
            )
        ).one()
    return int(latest or 0), finished.isoformat() if finished else ""
