"""The sign-in limit (core.login_limit): examples, and Hypothesis properties over random
failure times and attempts in flight (a lock ends exactly when enough of them age out;
more never shorten it; failures older than the window never count; an attempt in flight
counts against its name as a failure would for `in_flight_for`, never against the
address)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.login_limit import DEFAULT_LIMIT, LoginLimit, locked_for

NOW = datetime(2026, 12, 6, 10, 5, tzinfo=UTC)
SMALL = LoginLimit(
    per_user=3, per_address=5, window=timedelta(minutes=15), in_flight_for=timedelta(minutes=2)
)
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


def test_fifty_sign_ins_in_flight_from_one_address_lock_no_one() -> None:
    """An office behind one router at nine: each name has its own attempt in flight."""
    for _ in range(50):
        assert locked_for([], [], NOW, user_in_flight=[NOW]) is None


def test_attempts_in_flight_for_one_name_lock_it_until_they_stop_counting() -> None:
    in_flight = [NOW - timedelta(seconds=s) for s in (0, 10, 20, 30, 40)]
    assert locked_for([], [], NOW, user_in_flight=in_flight) == timedelta(seconds=80)
    # a mark its request left when its process died counts no more after in_flight_for
    stale = [NOW - DEFAULT_LIMIT.in_flight_for] * 5
    assert locked_for([], [], NOW, user_in_flight=stale) is None


def test_a_limit_must_count_an_attempt_in_flight_for_a_while() -> None:
    with pytest.raises(ValueError, match="in flight for a positive time"):
        LoginLimit(in_flight_for=timedelta(0))


@given(times, times, times)
def test_an_attempt_in_flight_counts_as_a_failure_for_in_flight_for(
    user: list[datetime], address: list[datetime], in_flight: list[datetime]
) -> None:
    """As a failure made `window - in_flight_for` earlier: counted by the name, and for
    `in_flight_for` only."""
    earlier = SMALL.window - SMALL.in_flight_for
    as_failures = [min(at, NOW) - earlier for at in in_flight]
    assert locked_for(user, address, NOW, SMALL, in_flight) == locked_for(
        user + as_failures, address, NOW, SMALL
    )


@given(times, times, times)
def test_attempts_in_flight_never_count_against_the_address(
    user: list[datetime], address: list[datetime], in_flight: list[datetime]
) -> None:
    """While the name's failures and attempts in flight are under its limit, the verdict
    is the address's failures' alone, however many are in flight; a lock from attempts in
    flight alone lasts no longer than `in_flight_for`."""

    def counting(at: datetime, lasting: timedelta) -> bool:
        return NOW - lasting < min(at, NOW)

    by_name = sum(counting(at, SMALL.window) for at in user) + sum(
        counting(at, SMALL.in_flight_for) for at in in_flight
    )
    if by_name < SMALL.per_user:
        assert locked_for(user, address, NOW, SMALL, in_flight) == locked_for(
            [], address, NOW, SMALL
        )
    alone = locked_for([], [], NOW, SMALL, in_flight)
    assert alone is None or timedelta(0) < alone <= SMALL.in_flight_for


@given(times, times, times, st.integers(min_value=-900, max_value=0))
def test_another_attempt_in_flight_never_shortens_a_lock(
    user: list[datetime], address: list[datetime], in_flight: list[datetime], offset: int
) -> None:
    before = locked_for(user, address, NOW, SMALL, in_flight) or timedelta(0)
    extra = [*in_flight, NOW + timedelta(seconds=offset)]
    assert (locked_for(user, address, NOW, SMALL, extra) or timedelta(0)) >= before


@given(times, times, times, st.lists(st.integers(min_value=120, max_value=10_000), max_size=10))
def test_attempts_in_flight_older_than_in_flight_for_never_count(
    user: list[datetime], address: list[datetime], in_flight: list[datetime], ages: list[int]
) -> None:
    stale = [NOW - timedelta(seconds=age) for age in ages]
    assert locked_for(user, address, NOW, SMALL, in_flight + stale) == locked_for(
        user, address, NOW, SMALL, in_flight
    )
