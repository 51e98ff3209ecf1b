"""Figures that take seconds to compute at 100,000 accounts (the possible duplicates, the
pairs whose consent differs), shown on the dashboard without making it wait.

A figure is kept per process with the freshness key it was computed for (what the
accounts and the runs looked like) and its age. When it is missing, stale (another key)
or older than `ttl`, it is computed again in a thread of its own; the page waits for it
`wait` seconds at most — a small CRM's figure is ready by then — and otherwise shows the
older figure (or says it is being counted) while the thread finishes for the next page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    value: Any
    key: Hashable
    #: time.monotonic() when computed, for the ttl
    at: float
    computed_at: datetime


class FigureCache:
    def __init__(self, ttl: float = 300.0, wait: float = 0.05) -> None:
        self.ttl = ttl
        #: how long a page waits for a figure being computed (tests make it long)
        self.wait = wait
        self._lock = threading.Lock()
        self._figures: dict[Hashable, Figure] = {}
        self._running: dict[Hashable, threading.Thread] = {}

    def get(
        self,
        name: Hashable,
        key: Hashable,
        compute: Callable[[], Any],
        wait: float | None = None,
    ) -> tuple[Figure | None, bool]:
        """The figure `name` (None: never computed) and whether it is current for `key`;
        `wait` None: the cache's own."""
        with self._lock:
            found = self._figures.get(name)
            if self._current(found, key):
                return found, True
            thread = self._running.get(name)
            if thread is None:
                thread = threading.Thread(
                    target=self._compute, args=(name, key, compute), daemon=True
                )
                self._running[name] = thread
                thread.start()
        thread.join(self.wait if wait is None else wait)
        with self._lock:
            found = self._figures.get(name)
            return found, self._current(found, key)

    def _current(self, figure: Figure | None, key: Hashable) -> bool:
        return figure is not None and figure.key == key and time.monotonic() - figure.at < self.ttl

    def _compute(self, name: Hashable, key: Hashable, compute: Callable[[], Any]) -> None:
        try:
            value = compute()
        except Exception:  # a figure that cannot be had is left out, the page says so
            log.exception("could not compute %s", name)
            value = None
        with self._lock:
            if value is not None:
                self._figures[name] = Figure(value, key, time.monotonic(), datetime.now(UTC))
            self._running.pop(name, None)
