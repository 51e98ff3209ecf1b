"""One Constant Contact account's request rate, counted in Redis by every process that uses it.

The per-process ``Limiter`` keeps one process under 4 requests a second; ten workers
would send forty. Here every process asks the same Redis, in one atomic Lua script, for
the right to start a request, under the same rules as ``Limiter``: starts at least
``1/rate`` apart (the bucket with a burst of 1) and at most ``rate`` starts in any
1.05 s (``core.ratelimit.StartWindow``), counted at start. The script reads Redis's own
clock (``TIME``), so the machines' clocks never have to agree.

A 429 with Retry-After sets the account's pause key, which holds back every process
until it expires. Keys, all with an expiry so that nothing outlives its use:

    listbridge:rate:<account>:starts   sorted set of recent starts (score: µs)
    listbridge:rate:<account>:pause    present while the server asked us to wait
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import redis

from listbridge.config import RATE_LIMIT_URL_ENV
from listbridge.core.errors import UserError
from listbridge.core.ratelimit import StartWindow

KEY_PREFIX = "listbridge:rate:"

# Returns {0, now} after recording a start at ``now`` (µs, Redis's clock), else
# {µs to wait before asking again, now}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, window, spacing = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {paused * 1000, now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local wait = 0
if n > 0 then
  local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
  wait = last + spacing - now
end
if n >= limit then
  local nth = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2])
  wait = math.max(wait, nth + window - now)
end
if wait > 0 then return {math.ceil(wait), now} end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {0, now}
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
    """``Limiter``'s interface over Redis: ``acquire()``, ``pause(seconds)``, ``rate``,
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
        window: float = StartWindow(limit=1).window,
    ) -> None:
        self.client, self._sleep, self._rate = client, sleep, rate
        self._url, self._variable = url, variable
        self.starts_key = f"{prefix}{account}:starts"
        self.pause_key = f"{prefix}{account}:pause"
        self._limit = max(1, int(rate))
        self._window_us = round(window * 1_000_000)
        self._spacing_us = round(1_000_000 / rate)
        self._expiry_ms = math.ceil(window * 1000) + 1000
        self._acquire: Any = client.register_script(_ACQUIRE)
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

    def acquire(self) -> float:
        """Wait until this process may start a request for the account; the seconds waited."""
        waited = 0.0
        while True:
            member = f"{self._member}{next(self._sequence)}"
            args = [self._limit, self._window_us, self._spacing_us, member, self._expiry_ms]
            wait_us, now_us = self._run(self._acquire, [self.starts_key, self.pause_key], args)
            if wait_us <= 0:
                self.last_start_us = int(now_us)
                break
            self._sleep(wait_us / 1_000_000)
            waited += wait_us / 1_000_000
        with self._lock:
            self.waited += waited
        return waited

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


def redis_limiter(
    url: str, account: str, rate: float, variable: str = RATE_LIMIT_URL_ENV
) -> RedisLimiter:
    """The limiter of ``account`` shared through the Redis at ``url``."""
    return RedisLimiter(redis_client(url, variable), account, rate, url=url, variable=variable)
