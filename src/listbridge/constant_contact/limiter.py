"""The thin, sleeping wrapper around ``core.ratelimit.TokenBucket`` and ``CallWindow``.

The burst is 1, so requests are scheduled ``1/rate`` apart; a ``CallWindow`` then makes
sure that, however late a request is sent or read by the server, no one second of the
server's (fixed-window) counter sees more than ``rate`` of them: a request counts from
its start until a second after its answer, ``slot()`` holding its turn while it is out.

One ``Limiter`` per account (or connection) and process (``shared_limiter``), so every
thread working for it draws from the same 4 requests a second. ``RequestLimiter`` is what
the client needs of a limiter; ``redis_limiter.RedisLimiter`` shares one between processes.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from listbridge.core.ratelimit import CallWindow, TokenBucket

_registry: dict[str, Limiter] = {}
_registry_lock = threading.Lock()


class RequestLimiter(Protocol):
    waited: float
    pauses: int

    @property
    def rate(self) -> float: ...

    def slot(self) -> AbstractContextManager[float]: ...

    def pause(self, seconds: float) -> None: ...


class Limiter:
    """``clock`` and ``sleep`` drive the spacing and the pauses; a wait for another
    thread's request to be answered is a real wait on a condition."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        self._bucket = TokenBucket(rate=rate, capacity=burst, tokens=burst, updated=clock())
        self._window = CallWindow(limit=max(1, int(rate)))
        self._calls = itertools.count()
        self.waited = 0.0
        self.pauses = 0

    @property
    def rate(self) -> float:
        return self._bucket.rate

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Wait for a turn, then hold it while the request is out; yields the seconds waited."""
        call, waited = self._take()
        try:
            yield waited
        finally:
            with self._answered:
                self._window = self._window.answer(self._clock(), call)
                self._answered.notify_all()

    def _take(self) -> tuple[int, float]:
        with self._lock:
            self._bucket, wait = self._bucket.acquire(self._clock())
        if wait > 0:
            self._sleep(wait)
        call, waited = self._start()
        wait += waited
        with self._lock:
            self.waited += wait
        return call, wait

    def _start(self) -> tuple[int, float]:
        """Count a request once it fits the window; its number and the seconds waited."""
        waited = 0.0
        with self._answered:
            while True:
                now = self._clock()
                delay = self._window.delay(now)
                if delay <= 0:
                    call = next(self._calls)
                    self._window = self._window.start(now, call)
                    return call, waited
                started = time.monotonic()
                self._answered.wait(delay)
                waited += time.monotonic() - started

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
