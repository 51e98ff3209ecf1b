"""The prefetch thread of `crm load` (crm/builtin/prefetch.py): the same items in the
same order, errors raised where the items stop, the thread gone when the block ends."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.crm.builtin import prefetch
from listbridge.crm.builtin.prefetch import SWITCH_INTERVAL, prefetched


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=4))
def test_every_item_comes_in_order(items: list[int], ahead: int) -> None:
    with prefetched(iter(items), ahead) as made:
        assert list(made) == items
    assert "listbridge-prefetch" not in _threads()


def test_an_error_is_raised_where_the_items_stop() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 4: bad")

    seen: list[int] = []
    with pytest.raises(ValueError, match="row 4: bad"), prefetched(items()) as made:
        seen.extend(made)
    assert seen == [1, 2]


def test_leaving_early_stops_the_thread_and_closes_the_items() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    with prefetched(items(), 2) as made:
        assert next(made) == 0
    assert closed.is_set()
    assert "listbridge-prefetch" not in _threads()


def _write_until_three(made: Iterator[int]) -> None:
    for n in made:
        if n == 3:
            raise RuntimeError("writer failed")


def test_an_error_of_the_caller_stops_the_thread() -> None:
    with prefetched(iter(range(100))) as made, pytest.raises(RuntimeError, match="writer failed"):
        _write_until_three(made)
    assert "listbridge-prefetch" not in _threads()


def test_the_switch_interval_is_short_while_any_prefetch_runs_and_back_after() -> None:
    before = sys.getswitchinterval()
    with prefetched(iter([1])) as first:
        assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL))
        with prefetched(iter([2])) as second:
            assert list(second) == [2]
        assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL))
        assert list(first) == [1]
    assert sys.getswitchinterval() == pytest.approx(before)


def test_with_one_cpu_the_items_are_made_as_asked_in_the_callers_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "usable_cpus", lambda: 1)
    made_in: list[str] = []

    def items() -> Iterator[int]:
        for n in range(3):
            made_in.append(threading.current_thread().name)
            yield n

    before = sys.getswitchinterval()
    with prefetched(items()) as made:
        assert list(made) == [0, 1, 2]
        assert sys.getswitchinterval() == before
    assert made_in == [threading.current_thread().name] * 3


def test_usable_cpus_are_those_the_process_may_run_on() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert prefetch.usable_cpus() == expected
