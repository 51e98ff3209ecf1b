"""The thin, sleeping wrapper around ``core.ratelimit.TokenBucket``.

The burst is 1, so requests are scheduled ``1/rate`` apart; a ``StartWindow`` then
makes sure that, however late a thread actually starts its request, no one-second
window of the server's (fixed-window) counter sees more than ``rate`` of them.

One ``Limiter`` per account (or connection) and process (``shared_limiter``), so every
thread working for it draws from the same 4 requests a second. ``RequestLimiter`` is what
the client needs of a limiter; ``redis_limiter.RedisLimiter`` shares one between processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from listbridge.core.ratelimit import StartWindow, TokenBucket

_registry: dict[str, Limiter] = {}
_registry_lock = threading.Lock()


class RequestLimiter(Protocol):
    waited: float
    pauses: int

    @property
    def rate(self) -> float: ...

    def acquire(self) -> float: ...

    def pause(self, seconds: float) -> None: ...


class Limiter:
    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._bucket = TokenBucket(rate=rate, capacity=burst, tokens=burst, updated=clock())
        self._window = StartWindow(limit=max(1, int(rate)))
        self.waited = 0.0
        self.pauses = 0

    @property
    def rate(self) -> float:
        return self._bucket.rate

    def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        with self._lock:
            self._bucket, wait = self._bucket.acquire(self._clock())
        if wait > 0:
            self._sleep(wait)
        wait += self._start()
        with self._lock:
            self.waited += wait
        return wait

    def _start(self) -> float:
        """Record the start of a request once it fits the window; the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = self._window.delay(now)
                if delay <= 0:
                    self._window = self._window.record(now)
                    return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold back every request of the connection (the server said slow down)."""
        with self._lock:
            self._bucket = self._bucket.pause(self._clock(), seconds)
            self.pauses += 1


def shared_limiter(key: str, rate: float) -> Limiter:
    """The process-wide limiter of an account or connection (``key``), made on first use."""
    with _registry_lock:
        found = _registry.get(key)
        if found is None or found.rate != rate:
            found = _registry[key] = Limiter(rate)
        return found
