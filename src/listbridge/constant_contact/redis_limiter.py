"""One Constant Contact account's request rate, counted in Redis by every process that uses it.

The per-process ``Limiter`` keeps one process under 4 requests a second; ten workers
would send forty. Here every process asks the same Redis, in one atomic Lua script, for
the right to start a request, under the same rules as ``Limiter``: starts at least
``1/rate`` apart (the bucket with a burst of 1) and at most ``rate`` requests counting at
once (``core.ratelimit.CallWindow``): a request under ``slot()`` counts from its start
until a second after its answer (or, its answer never reported, until its hold ends). The
scripts read Redis's own clock (``TIME``), so the machines' clocks never have to agree.

A 429 with Retry-After sets the account's pause key, which holds back every process
until it expires. Keys, all with an expiry so that nothing outlives its use:

    listbridge:rate:<account>:starts   sorted set of the requests that count (score: µs
                                       of Redis's clock until which each counts)
    listbridge:rate:<account>:last     when the latest request started (µs)
    listbridge:rate:<account>:pause    present while the server asked us to wait
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

import redis

from listbridge.config import RATE_LIMIT_URL_ENV
from listbridge.core.errors import UserError
from listbridge.core.ratelimit import CallWindow

KEY_PREFIX = "listbridge:rate:"

# Returns {0, now} after recording a request that starts at ``now`` (µs, Redis's clock)
# and counts until now + ARGV[4], else {µs to wait before asking again, now}. A request
# that counts longer than ARGV[5] (a second past an answer) from now is still out: its
# answer may come any time, so a caller kept waiting by it asks again after ARGV[6].
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, spacing, counted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local settled, poll = tonumber(ARGV[5]), tonumber(ARGV[6])
local paused = redis.call('PTTL', KEYS[2])
if paused >= 0 then return {math.max(paused, 1) * 1000, now} end  -- 0: under 1 ms left
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
local wait = 0
local last = redis.call('GET', KEYS[3])
if last then wait = tonumber(last) + spacing - now end
if n >= limit then
  local ends = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2])
  local free = ends - now
  if free > settled then free = poll end
  wait = math.max(wait, free)
end
if wait > 0 then return {math.ceil(wait), now} end
redis.call('ZADD', KEYS[1], now + counted, ARGV[3])
redis.call('SET', KEYS[3], now, 'PX', math.ceil(spacing / 1000) + 1000)
local keep = math.ceil(counted / 1000) + 1000
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
return {0, now}
"""

# The request ARGV[1] was answered: it counts ARGV[2] µs more (Redis's clock).
_ANSWER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local after = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + after, ARGV[1])
local keep = math.ceil(after / 1000) + 1000
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
return now
"""

# Lengthens the pause, never shortens it (two 429s: the later Retry-After may be shorter).
_PAUSE = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


class RateLimitUnavailableError(UserError):
    """The Redis that counts an account's requests cannot be reached.

    Resumable: the job stopped between calls, and a run once Redis is back finishes it."""

    resumable = True


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _unavailable(url: str, variable: str, error: Exception) -> RateLimitUnavailableError:
    return RateLimitUnavailableError(
        f"cannot reach the Redis that shares the Constant Contact request rate between "
        f"processes ({variable}={shown_url(url)}): {str(error).rstrip('.')}; start it, or "
        f"unset {variable} to limit each process on its own (safe only when one process "
        "uses the account)"
    )


def redis_client(url: str, variable: str = RATE_LIMIT_URL_ENV) -> redis.Redis:
    """The process's client for ``url``, made (and checked with a PING) on first use."""
    with _clients_lock:
        found = _clients.get(url)
        if found is not None:
            return found
        try:
            client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
            client.ping()
        except (redis.RedisError, ValueError) as error:
            raise _unavailable(url, variable, error) from error
        _clients[url] = client
        return client


class RedisLimiter:
    """``Limiter``'s interface over Redis: ``slot()``, ``pause(seconds)``, ``rate``,
    ``waited`` and ``pauses`` (the last two count this process's share)."""

    def __init__(
        self,
        client: redis.Redis,
        account: str,
        rate: float,
        *,
        prefix: str = KEY_PREFIX,
        url: str = "",
        variable: str = RATE_LIMIT_URL_ENV,
        sleep: Callable[[float], None] = time.sleep,
        calls: CallWindow = CallWindow(limit=1),
        poll: float = 0.01,
    ) -> None:
        self.client, self._sleep, self._rate = client, sleep, rate
        self._url, self._variable = url, variable
        self.starts_key = f"{prefix}{account}:starts"
        self.last_key = f"{prefix}{account}:last"
        self.pause_key = f"{prefix}{account}:pause"
        self._limit = max(1, int(rate))
        self._hold_us, self._after_us = _us(calls.hold), _us(calls.after)
        self._poll_us = _us(poll)
        self._spacing_us = round(1_000_000 / rate)
        self._take_turn: Any = client.register_script(_TAKE)
        self._answer: Any = client.register_script(_ANSWER)
        self._pause: Any = client.register_script(_PAUSE)
        # Members must be unique across processes and threads: two starts can share a µs.
        self._member = f"{uuid.uuid4().hex}:"
        self._sequence = itertools.count()
        self._lock = threading.Lock()
        self.waited = 0.0
        self.pauses = 0
        #: when this process's latest request started, in µs of Redis's clock
        self.last_start_us = 0

    @property
    def rate(self) -> float:
        return self._rate

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Wait for a turn, then hold it while the request is out; yields the seconds waited."""
        member, waited = self._take()
        try:
            yield waited
        finally:
            # Unanswered here, it counts until its hold ends: safe; the next slot() reports
            # the lost Redis.
            with suppress(redis.RedisError):
                self._answer(keys=[self.starts_key], args=[member, self._after_us])

    def _take(self) -> tuple[str, float]:
        waited = 0.0
        while True:
            member = f"{self._member}{next(self._sequence)}"
            args = [self._limit, self._spacing_us, member, self._hold_us, self._after_us,
                    self._poll_us]  # fmt: skip
            keys = [self.starts_key, self.pause_key, self.last_key]
            wait_us, now_us = self._run(self._take_turn, keys, args)
            if wait_us <= 0:
                self.last_start_us = int(now_us)
                break
            self._sleep(wait_us / 1_000_000)
            waited += wait_us / 1_000_000
        with self._lock:
            self.waited += waited
        return member, waited

    def pause(self, seconds: float) -> None:
        """Hold back every process's requests for the account (the server said slow down)."""
        self._run(self._pause, [self.pause_key], [max(1, math.ceil(seconds * 1000))])
        with self._lock:
            self.pauses += 1

    def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        try:
            return script(keys=keys, args=args)
        except redis.RedisError as error:
            raise _unavailable(self._url, self._variable, error) from error


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


def redis_limiter(
    url: str, account: str, rate: float, variable: str = RATE_LIMIT_URL_ENV
) -> RedisLimiter:
    """The limiter of ``account`` shared through the Redis at ``url``."""
    return RedisLimiter(redis_client(url, variable), account, rate, url=url, variable=variable)
