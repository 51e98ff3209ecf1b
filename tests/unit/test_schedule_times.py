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


def test_a_slot_before_the_schedule_was_set_is_not_missed() -> None:
    set_at = NOW.replace(hour=0, minute=55)  # daily 02:30, set at 00:55
    assert not missed(DAILY, None, NOW.replace(hour=1), set_at)  # yesterday's slot predates it
    assert missed(DAILY, None, NOW, set_at)  # this morning's came after: missed, run once
    assert not missed(DAILY, NOW.replace(hour=3), NOW, set_at)  # and it ran
    assert missed(DAILY, None, NOW.replace(hour=2, minute=30), set_at)  # the slot itself


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001  (naive bounds, as hypothesis wants)
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    st.one_of(st.none(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))),
    st.sampled_from([DAILY, SUNDAY]),
)
def test_a_run_is_missed_only_for_a_slot_after_the_schedule_was_set(
    naive: datetime, since_set: timedelta, since_run: timedelta | None, s: Schedule
) -> None:
    now = naive.replace(tzinfo=UTC)
    set_at = now - since_set
    last = None if since_run is None else now - since_run
    due = previous_due(s, now)
    assert due is not None
    got = missed(s, last, now, set_at)
    assert got == (set_at <= due and (last is None or last < due))
    assert not got or missed(s, last, now)  # knowing when it was set only ever waits longer
    if last is None and got:  # never ran: a slot lies between setting it and now
        assert set_at <= due <= now
