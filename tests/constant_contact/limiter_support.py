"""What the Redis limiter's tests share: their Redis, and a request answered at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from listbridge.constant_contact.limiter import RequestLimiter
from listbridge.constant_contact.redis_limiter import redis_client

#: the real Redis on 127.0.0.1:6379; each test counts under a key prefix of its own
REDIS_URL = "redis://127.0.0.1:6379/12"


@contextmanager
def key_prefix() -> Iterator[str]:
    """A prefix no other test (nor a parallel run) uses; its keys are deleted after."""
    name = f"listbridge:test:{uuid.uuid4().hex}:"
    yield name
    client = redis_client(REDIS_URL)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


def answered_at_once(limiter: RequestLimiter) -> float:
    """A request answered as soon as its turn comes; the seconds it waited for the turn."""
    with limiter.slot() as waited:
        return waited
