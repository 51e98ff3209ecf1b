"""When and how long to retry: tenacity, exponential backoff with jitter, Retry-After first.

Only ``RetriableApiError`` is retried (429, 5xx, timeouts, dropped connections); every
other failure surfaces at once. Whether a *request* may be repeated at all is the
caller's decision (see ``http.ApiSession.send`` and ``unsafe``).
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)
from tenacity.wait import wait_base

from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.errors import RateLimitedError
from listbridge.core.errors import RetriableApiError


class HonourRetryAfter(wait_base):
    """The server's Retry-After when it gave one, else the fallback's backoff."""

    def __init__(self, fallback: wait_base, cap: float) -> None:
        self.fallback, self.cap = fallback, cap

    def __call__(self, retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return min(self.cap, error.retry_after)
        return float(self.fallback(retry_state))


def retrying(config: ClientConfig, sleep: Callable[[float], None]) -> Retrying:
    backoff = wait_random_exponential(
        multiplier=config.backoff_initial, max=config.max_wait_seconds
    )
    return Retrying(
        retry=retry_if_exception_type(RetriableApiError),
        stop=stop_after_attempt(config.max_attempts),
        wait=HonourRetryAfter(backoff, config.max_wait_seconds),
        sleep=sleep,
        reraise=True,
    )
