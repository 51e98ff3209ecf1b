"""``CallWindow`` (issue 20): whenever the server counts a call between its start and its
answer, no second of the server's counts more than the limit; and the Redis limiter holds
a turn until the answer comes, in another process too, but not past its hold."""

from __future__ import annotations

import heapq
import threading
import time
from contextlib import ExitStack

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.constant_contact.limiter_support import REDIS_URL, answered_at_once

from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.redis_limiter import RedisLimiter, redis_client
from listbridge.core.ratelimit import CallWindow

POLL = 0.01  # how often a caller kept waiting by an unanswered call looks again


def server_counts(limit: int, callers: int, latencies: list[float], counted: list[float],
                  thinking: list[float]) -> list[float]:  # fmt: skip
    """Callers taking turns from one ``CallWindow``: when the server counted each call,
    at a fraction ``counted`` of the way from its start to its answer."""
    window, moments, calls = CallWindow(limit=limit), [], iter(range(len(latencies)))
    events = [(0.0, 1, caller) for caller in range(callers)]  # (time, 0 answer / 1 ask, who)
    while events:
        now, kind, who = heapq.heappop(events)
        if kind == 0:
            window = window.answer(now, who)
            heapq.heappush(events, (now + thinking[who % len(thinking)], 1, who))
            continue
        delay = window.delay(now)
        if delay > 0:
            heapq.heappush(events, (now + min(delay, POLL), 1, who))
            continue
        call = next(calls, None)
        if call is None:
            continue
        window = window.start(now, call)
        moments.append(now + counted[call] * latencies[call])
        heapq.heappush(events, (now + latencies[call], 0, call))
    return moments


#: the server counts a call as it starts, as it is answered, or anywhere between
WHERE = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1))
QUICK_OR_SLOW = st.one_of(st.floats(0.001, 0.3), st.floats(0.001, 1.5))


@settings(max_examples=300)
@given(
    limit=st.integers(1, 5),
    callers=st.integers(1, 8),
    latencies=st.lists(QUICK_OR_SLOW, min_size=1, max_size=40),
    counted=st.lists(WHERE, min_size=40, max_size=40),
    thinking=st.lists(st.floats(0, 0.5), min_size=1, max_size=8),
    offset=st.floats(0, 1, exclude_max=True),
)
def test_no_server_second_counts_more_calls_than_the_limit(
    limit: int,
    callers: int,
    latencies: list[float],
    counted: list[float],
    thinking: list[float],
    offset: float,
) -> None:
    moments = server_counts(limit, callers, latencies, counted, thinking)
    assert len(moments) == len(latencies), "every call had its turn"
    shifted = [moment + offset for moment in moments]  # wherever the server's seconds begin
    for second in {int(moment) for moment in shifted}:
        assert sum(second <= moment < second + 1 for moment in shifted) <= limit


def test_a_quick_answer_frees_the_turn_sooner_than_the_start_window() -> None:
    window = CallWindow(limit=1).start(0.0, 1)
    assert window.delay(0.5) == pytest.approx(119.5), "unanswered, it counts until its hold"
    answered = window.answer(0.01, 1)
    assert answered.delay(0.5) == pytest.approx(0.52)
    assert answered.delay(1.02) == 0.0


def test_a_thread_waits_for_another_threads_answer() -> None:
    limiter = Limiter(10.0)  # turns 0.1 s apart, 10 counting at once
    with ExitStack() as held:
        for _ in range(10):
            held.enter_context(limiter.slot())
        answered = time.monotonic()
    with limiter.slot():
        waited = time.monotonic() - answered
    assert 0.95 <= waited <= 1.5, waited


def test_an_unanswered_call_of_another_process_keeps_its_turn_until_answered(
    redis_prefix: str,
) -> None:
    out = RedisLimiter(redis_client(REDIS_URL), "account:1", 2.0, prefix=redis_prefix)
    waiting = RedisLimiter(redis_client(REDIS_URL), "account:1", 2.0, prefix=redis_prefix)
    started: list[float] = []
    with ExitStack() as held:
        held.enter_context(out.slot())
        held.enter_context(out.slot())  # half a second later: both turns out
        other = threading.Thread(target=lambda: started.append(answered_at_once(waiting)))
        other.start()
        time.sleep(1.5)
        assert not started, "no turn while both calls are unanswered"
        answered = time.monotonic()
    other.join(timeout=5)
    assert started
    assert time.monotonic() - answered >= 1.0, "the answer counts a second more"
    expiry = redis_client(REDIS_URL).pttl(out.starts_key)
    assert 0 < expiry <= 121_000, "the key expires on its own, a second after the longest hold"


def test_a_call_whose_process_died_stops_counting_after_its_hold(redis_prefix: str) -> None:
    brief = CallWindow(limit=1, hold=2.0)
    died = RedisLimiter(redis_client(REDIS_URL), "account:1", 1.0, prefix=redis_prefix, calls=brief)
    unanswered = died.slot()  # kept: a collected one would answer as it closes
    unanswered.__enter__()
    started = time.monotonic()
    answered_at_once(RedisLimiter(redis_client(REDIS_URL), "account:1", 1.0, prefix=redis_prefix))
    assert 1.8 <= time.monotonic() - started <= 2.6, "its hold, not the 1 s spacing"
    unanswered.__exit__(None, None, None)
