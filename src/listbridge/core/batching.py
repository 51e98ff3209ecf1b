"""Filling bulk requests up to the API's documented limits, and no further.

Planning works on the encoded size of each item, so it is pure: ``plan_batches``
gets the byte length of every item's JSON and returns index ranges. A request body
is ``prefix + item + "," + item … + suffix``; ``overhead`` is ``len(prefix + suffix)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Facts §9: the JSON import reads at most 4 MB of payload and silently drops the rest.
# "4 MB" is taken as 4,000,000 bytes, the smaller reading, so nothing is ever dropped.
IMPORT_MAX_BYTES = 4_000_000
# Not in the spec; the file import's 40,000 lines (incl. header) is the documented cap.
IMPORT_MAX_CONTACTS = 39_999
CONTACT_IDS_PER_ACTIVITY = 500  # add/remove list memberships, contact_delete, taggings
LIST_IDS_PER_ACTIVITY = 50
LISTS_PER_DELETE = 100
CUSTOM_FIELDS_PER_DELETE = 100
STATS_ACTIVITY_IDS = 10


@dataclass(frozen=True)
class Limits:
    max_count: int
    max_bytes: int | None = None
    overhead: int = 0


@dataclass(frozen=True)
class BatchPlan:
    """Consecutive ranges of item indexes, plus the items too big to send at all."""

    batches: tuple[range, ...]
    oversize: tuple[int, ...]


def batch_bytes(sizes: Sequence[int], indexes: Sequence[int], overhead: int) -> int:
    """The body size of a request holding these items (comma-separated)."""
    return overhead + sum(sizes[i] for i in indexes) + max(0, len(indexes) - 1)


def plan_batches(sizes: Sequence[int], limits: Limits) -> BatchPlan:
    """Greedy and in order: each batch takes items until the next would break a limit."""
    if limits.max_count < 1:
        raise ValueError("max_count must be at least 1")
    batches: list[range] = []
    oversize: list[int] = []
    start, used = 0, limits.overhead
    for index, size in enumerate(sizes):
        if _too_big(size, limits):
            oversize.append(index)
            _close(batches, start, index)
            start, used = index + 1, limits.overhead
            continue
        if not _fits(index - start, used, size, limits):
            _close(batches, start, index)
            start, used = index, limits.overhead
        used += size + (1 if index > start else 0)
    _close(batches, start, len(sizes))
    return BatchPlan(tuple(batches), tuple(oversize))


def _too_big(size: int, limits: Limits) -> bool:
    return limits.max_bytes is not None and limits.overhead + size > limits.max_bytes


def _fits(count: int, used: int, size: int, limits: Limits) -> bool:
    if count >= limits.max_count:
        return False
    if limits.max_bytes is None:
        return True
    return used + size + (1 if count else 0) <= limits.max_bytes


def _close(batches: list[range], start: int, stop: int) -> None:
    if stop > start:
        batches.append(range(start, stop))


def chunked(count: int, size: int) -> tuple[range, ...]:
    """Ranges of at most ``size`` indexes covering ``0..count`` (count-only limits)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return tuple(range(i, min(i + size, count)) for i in range(0, count, size))
