"""`sync.full_schedule`'s due times: the latest one at or before now, and the missed-run rule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.schedule_times import missed, previous_due
from listbridge.core.setting_values import Frequency, Schedule, Weekday

DAILY = Schedule(Frequency.DAILY, time(2, 30))
SUNDAY = Schedule(Frequency.WEEKLY, time(3, 0), Weekday.SUNDAY)
# 2026-11-26 is a Thursday
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_daily_was_due_this_morning_or_yesterday() -> None:
    assert previous_due(DAILY, NOW) == datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    early = NOW.replace(hour=1)
    assert previous_due(DAILY, early) == datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    assert previous_due(DAILY, NOW.replace(hour=2, minute=30)) == NOW.replace(hour=2, minute=30)


def test_weekly_was_due_last_sunday() -> None:
    assert previous_due(SUNDAY, NOW) == datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    sunday_early = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    assert previous_due(SUNDAY, sunday_early) == datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def test_off_is_never_due() -> None:
    assert previous_due(Schedule(), NOW) is None
    assert not missed(Schedule(), None, NOW)


def test_missed_runs_run_once_not_once_per_slot() -> None:
    assert missed(DAILY, None, NOW)
    assert missed(DAILY, NOW - timedelta(days=5), NOW)  # five missed slots: one run
    assert not missed(DAILY, NOW.replace(hour=3), NOW)  # ran after this morning's slot


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001  (naive bounds, as hypothesis wants)
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    ),
    st.sampled_from([DAILY, SUNDAY, Schedule(Frequency.WEEKLY, time(23, 59), Weekday.MONDAY)]),
)
def test_previous_due_is_the_latest_due_time_before_now(naive: datetime, s: Schedule) -> None:
    now = naive.replace(tzinfo=UTC)
    due = previous_due(s, now)
    assert due is not None
    assert due <= now
    period = timedelta(days=7 if s.frequency is Frequency.WEEKLY else 1)
    assert now - due < period
    assert s.at is not None
    assert (due.hour, due.minute) == (s.at.hour, s.at.minute)
    if s.day is not None:
        assert due.weekday() == s.day.value
