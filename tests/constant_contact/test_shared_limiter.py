"""The Redis limiter's script against the real Redis on 127.0.0.1:6379.

Every test has a key prefix of its own, so parallel runs never share a count.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time

import pytest
import redis
from tests.constant_contact.limiter_support import REDIS_URL, answered_at_once

from listbridge.config import ProcessConfig
from listbridge.constant_contact.redis_limiter import (
    RateLimitUnavailableError,
    RedisLimiter,
    redis_client,
    redis_limiter,
)
from listbridge.core.ratelimit import CallWindow
from listbridge.sync.cc_connection import rate_limit_redis

#: a request answered at once counts from its start until a second after its answer
WINDOW_US = round(CallWindow(limit=1).after * 1_000_000)


def limiter(prefix: str, account: str = "account:1234567890") -> RedisLimiter:
    return RedisLimiter(redis_client(REDIS_URL), account, 4.0, prefix=prefix, url=REDIS_URL)


def assert_within_the_limit(starts: list[int]) -> None:
    """A quarter second apart at least, and never five starts in 1.01 s."""
    starts = sorted(starts)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 250_000, gaps
    spans = [starts[i + 4] - starts[i] for i in range(len(starts) - 4)]
    assert min(spans) >= WINDOW_US, spans


def test_starts_are_spaced_and_never_five_in_a_window(redis_prefix: str) -> None:
    first, second = limiter(redis_prefix), limiter(redis_prefix)
    starts = []
    for n in range(7):  # two limiters, as two processes would hold, taking turns
        chosen = first if n % 2 else second
        answered_at_once(chosen)
        starts.append(chosen.last_start_us)
    assert_within_the_limit(starts)
    assert first.waited + second.waited >= 1.3
    starts_ttl = redis_client(REDIS_URL).pttl(first.starts_key)
    assert 0 < starts_ttl <= 121_000, "the starts expire on their own, a second after the hold"


def test_a_pause_holds_back_every_limiter_of_the_account_and_is_never_shortened(
    redis_prefix: str,
) -> None:
    told, other = limiter(redis_prefix), limiter(redis_prefix)
    elsewhere = limiter(redis_prefix, "account:other")
    # timed from before the pause, so a slow machine between the steps cannot shorten it
    began = time.monotonic()
    told.pause(0.6)
    told.pause(0.2)  # a later, shorter Retry-After does not cut the first one short
    assert told.pauses == 2
    assert answered_at_once(elsewhere) < 0.1, "another account is not held back"
    answered_at_once(other)
    assert time.monotonic() - began >= 0.59
    assert other.waited > 0
    assert redis_client(REDIS_URL).pttl(told.pause_key) < 0, "the pause key expired"


def test_one_client_per_url_and_a_clear_refusal_when_redis_is_down() -> None:
    assert redis_client(REDIS_URL) is redis_client(REDIS_URL)
    with pytest.raises(RateLimitUnavailableError) as refused:
        redis_limiter("redis://:hunter2@127.0.0.1:1/0", "account:1", 4.0)
    message = str(refused.value)
    assert "LISTBRIDGE_RATE_LIMIT_URL=redis://127.0.0.1:1/0" in message
    assert "hunter2" not in message
    assert refused.value.resumable


def test_a_redis_that_goes_away_mid_job_is_a_clear_resumable_error(redis_prefix: str) -> None:
    gone = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    stopped = RedisLimiter(gone, "account:1", 4.0, prefix=redis_prefix, url="redis://127.0.0.1:1/0",
                           variable="LISTBRIDGE_BROKER_URL")  # fmt: skip
    with pytest.raises(RateLimitUnavailableError, match="LISTBRIDGE_BROKER_URL"):
        answered_at_once(stopped)


LIMITS, BROKER, TLS_BROKER = "redis://limits/2", "redis://broker/0", "rediss://broker/0"


@pytest.mark.parametrize(
    ("rate_limit_url", "broker_url", "expected"),
    [
        (LIMITS, BROKER, (LIMITS, "LISTBRIDGE_RATE_LIMIT_URL")),
        ("", TLS_BROKER, (TLS_BROKER, "LISTBRIDGE_BROKER_URL")),
        ("", "amqp://guest@127.0.0.1:5672//", ("", "")),
        ("", "", ("", "")),
    ],
)
def test_which_redis_counts_the_rate(
    rate_limit_url: str, broker_url: str, expected: tuple[str, str]
) -> None:
    config = ProcessConfig(rate_limit_url=rate_limit_url, broker_url=broker_url)
    assert rate_limit_redis(config) == expected


HAMMER = """
import json, sys, time
from listbridge.constant_contact.redis_limiter import RedisLimiter, redis_client
limiter = RedisLimiter(redis_client(sys.argv[1]), "account:hammered", 4.0, prefix=sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
until, starts = time.monotonic() + 3.0, []
while time.monotonic() < until:
    with limiter.slot():
        pass
    starts.append(limiter.last_start_us)
print(json.dumps(starts))
"""


def test_three_processes_hammering_one_account_keep_its_limit(redis_prefix: str) -> None:
    command = [sys.executable, "-c", HAMMER, REDIS_URL, redis_prefix]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    processes = [subprocess.Popen(command, text=True, **pipes) for _ in range(3)]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    per_process = [json.loads(process.communicate(timeout=30)[0]) for process in processes]
    assert all(per_process), "every process got its turns"
    starts = [start for mine in per_process for start in mine]
    assert 9 <= len(starts) <= 16, len(starts)
    assert_within_the_limit(starts)
