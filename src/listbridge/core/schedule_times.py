"""When a daily or weekly schedule (`sync.full_schedule`) was last due, pure.

Times of day are local wall-clock times: the caller passes `now` in the local zone
(an aware datetime) and gets an aware datetime in the same zone back.
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


def missed(schedule: Schedule, last_started: datetime | None, now: datetime) -> bool:
    """A due time passed since the job last started (or it never ran): run it once now."""
    due = previous_due(schedule, now)
    if due is None:
        return False
    return last_started is None or last_started < due
