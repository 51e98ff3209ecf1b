"""Client-side rate limiting as arithmetic: the time is always an argument.

``TokenBucket`` spaces requests (Constant Contact allows 4 a second per API key);
``CallWindow`` keeps any one second of the server's under that many calls;
``DailyBudget`` counts a UTC day's requests against the daily allowance (10,000).
A thin wrapper in ``constant_contact`` holds the bucket under a lock and sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from listbridge.core.errors import UserError

DEFAULT_RATE = 4.0
DEFAULT_DAILY_LIMIT = 10_000


@dataclass(frozen=True)
class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up; ``tokens`` may go negative.

    A negative level is a debt: requests already promised a start time. ``acquire``
    returns how long the caller must wait, so concurrent callers queue fairly.
    """

    rate: float = DEFAULT_RATE
    capacity: float = DEFAULT_RATE
    tokens: float = DEFAULT_RATE
    updated: float = 0.0

    def level(self, now: float) -> float:
        elapsed = max(0.0, now - self.updated)
        return min(self.capacity, self.tokens + elapsed * self.rate)

    def delay(self, now: float) -> float:
        """Seconds from ``now`` until one token is free (0 when one is free now)."""
        missing = 1.0 - self.level(now)
        return max(0.0, missing / self.rate)

    def acquire(self, now: float) -> tuple[TokenBucket, float]:
        """Take one token: the new bucket and the wait before the request may start."""
        wait = self.delay(now)
        return replace(self, tokens=self.level(now) - 1.0, updated=max(now, self.updated)), wait

    def pause(self, now: float, seconds: float) -> TokenBucket:
        """Hold every caller back ``seconds`` from ``now`` (a 429 with Retry-After)."""
        held = min(self.level(now), 1.0 - seconds * self.rate)
        return replace(self, tokens=held, updated=max(now, self.updated))


@dataclass(frozen=True)
class CallWindow:
    """At most ``limit`` calls that one second of the server's may count.

    The server counts a call at some moment between the start of its sending and the
    arrival of its answer; where, we cannot know (a busy server reads it late, a busy
    client sends it late). So a call counts here from its start until ``after`` seconds
    past its answer, and, unanswered, for ``hold`` seconds at most (its process may have
    died). Then for any ``limit + 1`` calls the server counted in one second, the last
    started while the others still counted: it waited. Counting starts alone over 1.05 s
    (as the limiter once did) trusted a fixed 50 ms between start and count; under load the
    emulator saw 5 in a second.

    ``calls`` holds (call, when it stops counting).
    """

    limit: int
    after: float = 1.01
    hold: float = 120.0
    calls: tuple[tuple[int, float], ...] = ()

    def delay(self, now: float) -> float:
        """Seconds from ``now`` until one more call fits, if no counted call is answered
        meanwhile (0 when it fits now)."""
        ends = sorted(end for _, end in self.calls if end > now)
        if len(ends) < self.limit:
            return 0.0
        return ends[len(ends) - self.limit] - now

    def start(self, now: float, call: int) -> CallWindow:
        """Count ``call`` from ``now`` until its answer (``hold`` seconds at most)."""
        return replace(self, calls=(*self._counting(now), (call, now + self.hold)))

    def answer(self, now: float, call: int) -> CallWindow:
        """``call`` was answered at ``now``: it counts ``after`` seconds more."""
        kept = tuple(c for c in self._counting(now) if c[0] != call)
        return replace(self, calls=(*kept, (call, now + self.after)))

    def _counting(self, now: float) -> tuple[tuple[int, float], ...]:
        return tuple(c for c in self.calls if c[1] > now)


#: in every budget refusal's message, so a run interrupted by it can be told apart
BUDGET_WORDS = "Constant Contact API calls"


class BudgetExhaustedError(UserError):
    """A job would need more API calls than are left today."""

    resumable = True


@dataclass(frozen=True)
class DailyBudget:
    """Requests spent on ``day`` (UTC) out of ``limit``; a new day starts at zero."""

    limit: int = DEFAULT_DAILY_LIMIT
    day: date | None = None
    used: int = 0

    def used_on(self, now: datetime) -> int:
        return self.used if self.day == now.astimezone(UTC).date() else 0

    def remaining(self, now: datetime) -> int:
        return max(0, self.limit - self.used_on(now))

    def spend(self, now: datetime, calls: int = 1) -> DailyBudget:
        return replace(self, day=now.astimezone(UTC).date(), used=self.used_on(now) + calls)

    def resets_at(self, now: datetime) -> datetime:
        tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), tzinfo=UTC)

    def check(self, now: datetime, calls: int, job: str = "this job") -> None:
        """Refuse, before it starts, a job that would overrun what is left today."""
        left = self.remaining(now)
        if calls > left:
            raise BudgetExhaustedError(
                f"{job} needs about {calls} Constant Contact API calls but only {left} of "
                f"today's {self.limit} are left; it can run after "
                f"{self.resets_at(now):%Y-%m-%d %H:%M} UTC"
            )
