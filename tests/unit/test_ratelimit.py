"""TokenBucket and DailyBudget: pure arithmetic, checked with Hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.ratelimit import BudgetExhaustedError, DailyBudget, TokenBucket

NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def starts(bucket: TokenBucket, arrivals: list[float]) -> list[float]:
    """When each request may start, arriving at ``arrivals`` (sorted)."""
    begun = []
    for now in arrivals:
        bucket, wait = bucket.acquire(now)
        begun.append(now + wait)
    return begun


def test_a_burst_gets_capacity_at_once_then_one_per_interval() -> None:
    waits = [w - 0.0 for w in starts(TokenBucket(rate=4, capacity=4, tokens=4), [0.0] * 8)]
    assert waits[:4] == [0.0] * 4
    assert waits[4:] == pytest.approx([0.25, 0.5, 0.75, 1.0])


@given(
    rate=st.sampled_from([1.0, 2.0, 4.0, 10.0]),
    gaps=st.lists(st.floats(0, 2, allow_nan=False), min_size=1, max_size=60),
    window=st.floats(0.1, 5),
)
def test_no_window_ever_starts_more_than_capacity_plus_rate_times_its_length(
    rate: float, gaps: list[float], window: float
) -> None:
    arrivals = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    begun = sorted(starts(TokenBucket(rate=rate, capacity=rate, tokens=rate), arrivals))
    for first in begun:
        inside = sum(1 for t in begun if first <= t < first + window)
        assert inside <= rate + rate * window + 1e-6


@given(st.floats(0, 100, allow_nan=False), st.floats(0.01, 30, allow_nan=False))
def test_a_pause_holds_everyone_back_at_least_that_long(now: float, seconds: float) -> None:
    paused = TokenBucket(rate=4, capacity=4, tokens=4, updated=0).pause(now, seconds)
    assert paused.delay(now) >= seconds - 1e-9
    _, wait = paused.acquire(now)
    assert wait >= seconds - 1e-9


def test_a_waiting_request_starts_in_order_and_never_early() -> None:
    begun = starts(TokenBucket(rate=2, capacity=1, tokens=0), [0.0, 0.1, 0.2])
    assert begun == pytest.approx([0.5, 1.0, 1.5])


@given(st.lists(st.integers(1, 500), max_size=40), st.integers(1, 20_000))
def test_remaining_is_the_limit_less_todays_spending(spends: list[int], limit: int) -> None:
    budget = DailyBudget(limit)
    for n in spends:
        budget = budget.spend(NOON, n)
    assert budget.remaining(NOON) == max(0, limit - sum(spends))
    assert budget.remaining(NOON + timedelta(days=1)) == limit


def test_a_new_utc_day_starts_from_zero() -> None:
    budget = DailyBudget(10).spend(NOON, 9)
    late = datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC)
    assert budget.remaining(late) == 1
    tomorrow = late + timedelta(seconds=2)
    assert budget.spend(tomorrow, 3).used_on(tomorrow) == 3
    assert budget.resets_at(late) == datetime(2026, 11, 27, tzinfo=UTC)


def test_a_job_that_would_overrun_the_budget_is_refused_before_it_starts() -> None:
    budget = DailyBudget(10_000).spend(NOON, 9_990)
    budget.check(NOON, 10, "push")
    with pytest.raises(BudgetExhaustedError, match=r"push needs about 11 .* only 10 of today's"):
        budget.check(NOON, 11, "push")
