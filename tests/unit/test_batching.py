"""Bulk request planning: every item sent once, in order, each request full but in limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.batching import Limits, batch_bytes, chunked, plan_batches

limits_st = st.builds(
    Limits,
    max_count=st.integers(1, 12),
    max_bytes=st.one_of(st.none(), st.integers(20, 400)),
    overhead=st.integers(0, 30),
)
sizes_st = st.lists(st.integers(1, 150), max_size=80)


@given(sizes_st, limits_st)
def test_every_sendable_item_goes_exactly_once_and_in_order(sizes: list[int], lim: Limits) -> None:
    plan = plan_batches(sizes, lim)
    sent = [i for batch in plan.batches for i in batch]
    assert sent == sorted(set(range(len(sizes))) - set(plan.oversize))


@given(sizes_st, limits_st)
def test_no_request_breaks_a_limit(sizes: list[int], lim: Limits) -> None:
    for batch in plan_batches(sizes, lim).batches:
        assert 1 <= len(batch) <= lim.max_count
        if lim.max_bytes is not None:
            assert batch_bytes(sizes, batch, lim.overhead) <= lim.max_bytes


@given(sizes_st, limits_st)
def test_each_request_is_full_the_next_item_would_break_a_limit(
    sizes: list[int], lim: Limits
) -> None:
    plan = plan_batches(sizes, lim)
    for batch in plan.batches:
        following = batch.stop
        if following >= len(sizes) or following in plan.oversize:
            continue
        grown = range(batch.start, following + 1)
        too_many = len(grown) > lim.max_count
        too_big = lim.max_bytes is not None and (
            batch_bytes(sizes, grown, lim.overhead) > lim.max_bytes
        )
        assert too_many or too_big


@given(sizes_st, limits_st)
def test_only_items_too_big_alone_are_left_out(sizes: list[int], lim: Limits) -> None:
    for index in plan_batches(sizes, lim).oversize:
        assert lim.max_bytes is not None
        assert lim.overhead + sizes[index] > lim.max_bytes


def test_the_json_import_fills_four_megabytes_and_no_more() -> None:
    from listbridge.core.batching import IMPORT_MAX_BYTES, IMPORT_MAX_CONTACTS

    sizes = [1000] * 10_000
    plan = plan_batches(sizes, Limits(IMPORT_MAX_CONTACTS, IMPORT_MAX_BYTES, 50))
    first = plan.batches[0]
    assert batch_bytes(sizes, first, 50) <= IMPORT_MAX_BYTES
    assert batch_bytes(sizes, range(0, first.stop + 1), 50) > IMPORT_MAX_BYTES
    assert [len(b) for b in plan.batches] == [3995, 3995, 2010]


@given(st.integers(0, 2000), st.integers(1, 600))
def test_chunked_covers_everything_in_slices_of_at_most_size(count: int, size: int) -> None:
    parts = chunked(count, size)
    assert [i for p in parts for i in p] == list(range(count))
    assert all(1 <= len(p) <= size for p in parts)
    assert all(len(p) == size for p in parts[:-1])


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_count"):
        plan_batches([1], Limits(0))
    with pytest.raises(ValueError, match="size"):
        chunked(3, 0)
