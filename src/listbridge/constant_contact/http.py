"""One ``httpx.Client`` for a connection: auth, limiter, daily budget, retries.

An endpoint method is build, ``send``, parse. ``send`` retries idempotent requests
freely; a request that could create something twice passes ``retry=False`` or a
``check`` that looks for what a lost attempt may already have created.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from listbridge.constant_contact.auth import RefreshingAuth
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.errors import (
    RateLimitedError,
    ServerError,
    UnreachableError,
    classify,
)
from listbridge.constant_contact.limiter import RequestLimiter, shared_limiter
from listbridge.constant_contact.ports import BudgetLedger, MemoryLedger, TokenVault
from listbridge.constant_contact.retry import retrying
from listbridge.core.errors import RetriableApiError
from listbridge.core.ratelimit import BudgetExhaustedError
from listbridge.crash_points import reached

#: where `_read_json` keeps a response's parsed body
_PARSED = "listbridge.parsed_json"
Hooks = Mapping[str, list[Callable[..., Any]]]
Check = Callable[[], httpx.Response | None]


@dataclass
class CallStats:
    """What this session sent: for notes, benches and tests."""

    attempts: int = 0
    retries: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


class ApiSession:
    def __init__(
        self,
        config: ClientConfig,
        vault: TokenVault,
        ledger: BudgetLedger | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        event_hooks: Hooks | None = None,
        limiter: RequestLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        connection_key: str = "default",
    ) -> None:
        self.config, self.ledger, self._sleep = config, ledger or MemoryLedger(), sleep
        self.auth = RefreshingAuth(config, vault)
        self.limiter: RequestLimiter = limiter or shared_limiter(
            connection_key, config.rate_per_second
        )
        self.stats = CallStats()
        #: Constant Contact's clock (the `Date` header) at its last answer: a cursor that
        #: is compared with CC's `updated_at` is taken from CC's clock, not ours
        self.last_date: datetime | None = None
        self.http = httpx.Client(
            auth=self.auth,
            transport=transport,
            event_hooks=dict(event_hooks or {}),
            timeout=config.timeout_seconds,
            headers={"accept": "application/json"},
        )

    def close(self) -> None:
        self.http.close()

    def url(self, path: str) -> str:
        """Absolute URL for ``/contacts``, a host-relative ``/v3/...`` href, or a full URL."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/v3/"):
            return self.config.api_origin + path
        return self.config.api_base.rstrip("/") + path

    def send(
        self, method: str, path: str, *, retry: bool = True, check: Check | None = None, **kw: Any
    ) -> httpx.Response:
        """One request; with ``check``, a retry after an ambiguous failure looks first."""
        if not retry:
            return self._attempt(method, path, kw)
        failure: BaseException | None = None
        for attempt in retrying(self.config, self._sleep):
            with attempt:
                if failure is not None:
                    self.stats.retries += 1
                    found = _look_first(check, failure)
                    if found is not None:
                        return found
                try:
                    return self._attempt(method, path, kw)
                except RetriableApiError as error:
                    failure = error
                    raise
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def json(self, method: str, path: str, **kw: Any) -> Any:
        response = self.send(method, path, **kw)
        if _PARSED in response.extensions:
            return response.extensions[_PARSED]
        return response.json()

    def _attempt(self, method: str, path: str, kw: dict[str, Any]) -> httpx.Response:
        # The server may count the request any time until its answer: it holds its turn
        # of the account's rate until then (core.ratelimit.CallWindow). A bulk body is
        # encoded before, so as not to hold the turn meanwhile.
        encoded = _encoded(kw)
        with self.limiter.slot():
            self._spend()
            self.stats.attempts += 1
            try:
                response = self.http.request(method, self.url(path), **encoded)
            except httpx.TransportError as error:
                raise _unreachable(self.config.api_base, f"{method} {path}", error) from error
        reached("request")
        self.stats.statuses[response.status_code] += 1
        self.last_date = _date_of(response) or self.last_date
        refusal = classify(response)
        if isinstance(refusal, RateLimitedError):
            self.limiter.pause(refusal.retry_after or self.config.rate_limit_pause)
        if refusal is not None:
            raise refusal
        _read_json(response, f"{method} {path}")
        return response

    def _spend(self) -> None:
        """Count the call against today's budget; refuse it once the budget is gone."""
        now = datetime.now(UTC)
        budget = self.ledger.spend(now)
        if budget.used_on(now) > budget.limit:
            raise BudgetExhaustedError(
                f"today's budget of {budget.limit} Constant Contact API calls is used up; "
                f"the job can resume after {budget.resets_at(now):%Y-%m-%d %H:%M} UTC"
            )


def _read_json(response: httpx.Response, where: str) -> None:
    """A success whose JSON body cannot be read (cut short on the way) is a failed
    attempt like a dropped connection: retried, and its caller's ``check`` looks first,
    since the service may have done what was asked. Kept parsed for ``ApiSession.json``."""
    if not response.content or "json" not in response.headers.get("content-type", ""):
        return
    try:
        response.extensions[_PARSED] = json.loads(response.content)
    except ValueError as error:
        raise ServerError(
            f"{where}: Constant Contact's answer ({response.status_code}) was not readable "
            f"JSON ({error})"
        ) from error


def _date_of(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return None


def _unreachable(api_base: str, where: str, error: httpx.TransportError) -> UnreachableError:
    if isinstance(error, httpx.TimeoutException):
        return UnreachableError(api_base, where, "timed out")
    detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return UnreachableError(api_base, where, f"connection failed ({detail})")


def _look_first(check: Check | None, failure: BaseException) -> httpx.Response | None:
    """After a 429 nothing was done, so resend; after a 5xx or a timeout, maybe it was."""
    if check is None or isinstance(failure, RateLimitedError):
        return None
    return check()


def _encoded(kw: dict[str, Any]) -> dict[str, Any]:
    """Compact JSON, the same bytes ``core.batching`` measured when it planned the body."""
    if "json" not in kw:
        return kw
    rest = {k: v for k, v in kw.items() if k != "json"}
    body = json.dumps(kw["json"], separators=(",", ":"), ensure_ascii=False).encode()
    headers = {**rest.pop("headers", {}), "content-type": "application/json"}
    return {**rest, "content": body, "headers": headers}
