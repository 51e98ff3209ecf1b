"""What a Constant Contact response means, decided in one function: ``classify``.

    ListbridgeError
     ├── ApiError                 a refused request (400, 404, 409, 415 …): do not retry
     │    ├── NotFoundError       404
     │    └── ConflictError       409
     ├── NotConnectedError
     │    └── ForbiddenError      403: a scope or privilege is missing, or the app is off
     └── RetriableApiError
          ├── RateLimitedError    429, with the server's Retry-After when it sends one
          ├── ServerError         5xx, and timeouts / dropped connections
          │    └── UnreachableError  no answer at all: refused, reset, timed out, no route
          ├── ActivityEndedError  a bulk activity ended failed, timed_out or cancelled
          └── ActivityUnfinishedError  still running when our poll's patience ran out

Messages carry the API's own ``error_message`` texts, never headers, so never a token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from listbridge.core.errors import ListbridgeError, NotConnectedError, RetriableApiError


class ApiError(ListbridgeError):
    def __init__(self, status: int, where: str, messages: list[str]) -> None:
        self.status = status
        self.where = where
        self.messages = messages
        super().__init__(f"Constant Contact refused {where} ({status}): {'; '.join(messages)}")


class NotFoundError(ApiError):
    pass


class ConflictError(ApiError):
    pass


class ForbiddenError(NotConnectedError):
    pass


class RateLimitedError(RetriableApiError):
    def __init__(self, where: str, retry_after: float | None, message: str) -> None:
        self.retry_after = retry_after
        super().__init__(f"{where}: rate limited (429): {message}")


class ServerError(RetriableApiError):
    pass


class UnreachableError(ServerError):
    """The request got no answer (the network or the service is down); names where we
    tried, so that a wrong or stopped API base is plain to see."""

    def __init__(self, api_base: str, where: str, failure: str) -> None:
        super().__init__(f"cannot reach Constant Contact at {api_base}: {where}: {failure}")


class ActivityEndedError(RetriableApiError):
    """A bulk activity ended without completing. How much of it CC applied is not known,
    so a job must not record its work as done: it stops, its run interrupted, and the
    next run polls the remembered activity, reads what CC holds and plans again."""

    def __init__(self, kind: str, activity_id: str, state: str, errors: list[str]) -> None:
        self.activity_id, self.state = activity_id, state
        said = f": {'; '.join(errors[:3])}" if errors else ""
        super().__init__(
            f"Constant Contact ended the bulk activity {activity_id} ({kind}) {state}{said}"
        )


class ActivityUnfinishedError(RetriableApiError):
    """Bulk activities still queued or processing when the poll gave up: CC may yet finish
    them. The job stops, its run interrupted; their ids stay remembered, so the next run
    waits for them again instead of submitting them twice."""

    def __init__(self, activity_ids: list[str], state: str, waited: float) -> None:
        self.activity_ids = activity_ids
        which = activity_ids[0] if len(activity_ids) == 1 else f"{len(activity_ids)} activities"
        super().__init__(
            f"Constant Contact had not finished the bulk activity {which} ({state}) "
            f"after {waited:.0f} s"
        )


def error_messages(response: httpx.Response) -> list[str]:
    """The ``error_message`` texts of the array or object error body, else the status."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    items = body if isinstance(body, list) else [body]
    found = [str(i["error_message"]) for i in items if isinstance(i, dict) and "error_message" in i]
    return found or [response.reason_phrase or f"HTTP {response.status_code}"]


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds (``"3"``) or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def classify(response: httpx.Response) -> ListbridgeError | None:
    """None for a success, else the error this response stands for."""
    status = response.status_code
    if status < 400:
        return None
    where = f"{response.request.method} {response.request.url.path}"
    messages = error_messages(response)
    if status == 429:
        after = retry_after_seconds(response.headers.get("retry-after"), datetime.now(UTC))
        return RateLimitedError(where, after, "; ".join(messages))
    if status >= 500:
        return ServerError(f"{where}: server error ({status}): {'; '.join(messages)}")
    if status == 401:
        return NotConnectedError(f"Constant Contact refused the access token for {where}")
    if status == 403:
        return ForbiddenError(f"Constant Contact refused {where} (403): {'; '.join(messages)}")
    kind = {404: NotFoundError, 409: ConflictError}.get(status, ApiError)
    return kind(status, where, messages)
