"""When a daily or weekly schedule (`sync.full_schedule`) was last due, pure.

Times of day are local wall-clock times: the caller passes `now` in the local zone
(an aware datetime) and gets an aware datetime in the same zone back.

A schedule starts at its slot: setting `daily 03:00` at 00:55 runs nothing until 03:00.
Only a slot that came after the schedule was set, and passed with no run since, is missed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from listbridge.core.setting_values import Frequency, Schedule


def previous_due(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest moment at or before `now` the schedule was due (None: it is off)."""
    if schedule.frequency is Frequency.OFF or schedule.at is None:
        return None
    due = now.replace(hour=schedule.at.hour, minute=schedule.at.minute, second=0, microsecond=0)
    if schedule.frequency is Frequency.WEEKLY and schedule.day is not None:
        due -= timedelta(days=(now.weekday() - schedule.day.value) % 7)
        return due if due <= now else due - timedelta(days=7)
    return due if due <= now else due - timedelta(days=1)


def missed(
    schedule: Schedule,
    last_started: datetime | None,
    now: datetime,
    set_at: datetime | None = None,
) -> bool:
    """A due time passed since the job last started (or it never ran): run it once now.

    `set_at` is when the schedule was set (None: always in force). A slot before it was
    never missed, or a schedule set at 00:55 for 03:00 would run at once: a connection
    that never had a run counts every earlier slot as one it missed.
    """
    due = previous_due(schedule, now)
    if due is None or (set_at is not None and due < set_at):
        return False
    return last_started is None or last_started < due
