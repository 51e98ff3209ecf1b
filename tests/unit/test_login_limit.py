"""The sign-in limit (core.login_limit): an example, and Hypothesis properties over random
failure times (a lock ends exactly when enough failures age out; more failures never
shorten it; failures older than the window never count)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.login_limit import DEFAULT_LIMIT, LoginLimit, locked_for

NOW = datetime(2026, 12, 6, 10, 5, tzinfo=UTC)
SMALL = LoginLimit(per_user=3, per_address=5, window=timedelta(minutes=15))
TICK = timedelta(microseconds=1)

# Failures within two windows before NOW, to the second; a few "in the future" (clock skew).
times = st.lists(
    st.integers(min_value=-1800, max_value=30).map(lambda s: NOW + timedelta(seconds=s)),
    max_size=12,
)


def test_five_failures_for_one_user_lock_until_the_first_ages_out() -> None:
    failures = [datetime(2026, 12, 6, 10, m, tzinfo=UTC) for m in range(5)]
    assert locked_for(failures, [], NOW) == timedelta(minutes=10)
    assert locked_for(failures[1:], [], NOW) is None


def test_one_address_trying_many_names_is_locked_by_its_own_count() -> None:
    failures = [NOW - timedelta(seconds=10 * i) for i in range(DEFAULT_LIMIT.per_address)]
    wait = locked_for([], failures, NOW)
    assert wait == DEFAULT_LIMIT.window - timedelta(seconds=190)


def test_a_limit_must_allow_a_failure_over_a_window() -> None:
    with pytest.raises(ValueError, match="at least one failure"):
        LoginLimit(per_user=0)


@given(times, times)
def test_a_lock_lasts_no_longer_than_the_window(user: list[datetime], address: list[datetime]):
    wait = locked_for(user, address, NOW, SMALL)
    assert wait is None or timedelta(0) < wait <= SMALL.window


@given(times, times)
def test_locked_exactly_while_a_count_reaches_its_limit(
    user: list[datetime], address: list[datetime]
) -> None:
    def at_limit(failures: list[datetime], most: int, now: datetime) -> bool:
        return sum(now - SMALL.window < min(t, now) for t in failures) >= most

    def locked_at(now: datetime) -> bool:
        return at_limit(user, SMALL.per_user, now) or at_limit(address, SMALL.per_address, now)

    wait = locked_for(user, address, NOW, SMALL)
    assert (wait is not None) == locked_at(NOW)
    if wait is not None and max(user + address) <= NOW:  # no failure still to come
        assert locked_at(NOW + wait - TICK)
        assert not locked_at(NOW + wait)
        assert locked_for(user, address, NOW + wait, SMALL) is None


@given(times, times, st.integers(min_value=-900, max_value=0))
def test_another_failure_never_shortens_a_lock(
    user: list[datetime], address: list[datetime], offset: int
) -> None:
    before = locked_for(user, address, NOW, SMALL) or timedelta(0)
    extra = NOW + timedelta(seconds=offset)
    assert (locked_for([*user, extra], address, NOW, SMALL) or timedelta(0)) >= before
    assert (locked_for(user, [*address, extra], NOW, SMALL) or timedelta(0)) >= before


@given(times, st.lists(st.integers(min_value=900, max_value=10_000), max_size=10))
def test_failures_older_than_the_window_never_count(user: list[datetime], ages: list[int]):
    old = [NOW - timedelta(seconds=age) for age in ages]
    assert locked_for(user + old, old, NOW, SMALL) == locked_for(user, [], NOW, SMALL)
