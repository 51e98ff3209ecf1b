"""Requests per second and per day, counted as the real service does: fixed windows per key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RateLimiter:
    per_second: int | None
    per_day: int | None
    _second: int = -1
    _second_count: int = 0
    _day: int = -1
    _day_count: int = 0

    def admit(self, now_us: int) -> str | None:
        """Count one request at ``now_us``; returns why it is refused, or None."""
        second, day = now_us // 1_000_000, now_us // 86_400_000_000
        if second != self._second:
            self._second, self._second_count = second, 0
        if day != self._day:
            self._day, self._day_count = day, 0
        if self.per_day is not None and self._day_count >= self.per_day:
            return f"Too many requests. You exceeded the daily limit of {self.per_day} requests"
        if self.per_second is not None and self._second_count >= self.per_second:
            return (
                "Too many requests. You exceeded the request rate limit "
                f"of {self.per_second} per second"
            )
        self._second_count += 1
        self._day_count += 1
        return None
