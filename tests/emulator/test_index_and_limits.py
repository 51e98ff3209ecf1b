"""Properties of the change-ordered contact index and of the rate limiter (no server)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.emulator.index import ContactIndex
from listbridge.emulator.model import Contact
from listbridge.emulator.ratelimit import RateLimiter


@settings(max_examples=60)
@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=300), st.integers(0, 400)
)
def test_paging_after_any_stamp_sees_each_live_contact_once_in_change_order(
    touches: list[int], cut: int
) -> None:
    index, contacts = ContactIndex(), {}
    for stamp, n in enumerate(touches, 1):
        if n not in contacts:
            contacts[n] = Contact(f"id-{n}", f"c{n}@example.org", stamp, "Account")
            index.add(contacts[n])
        else:
            contacts[n].updated_at = stamp
            index.touched(contacts[n])
    seen = list(index.after(cut))
    expected = sorted(
        (c for c in contacts.values() if c.updated_at > cut), key=lambda c: c.updated_at
    )
    assert seen == expected


def test_the_index_refuses_a_stamp_that_does_not_move_forward() -> None:
    index = ContactIndex()
    index.add(Contact("a", "a@example.org", 10, "Account"))
    with pytest.raises(ValueError, match="increase"):
        index.add(Contact("b", "b@example.org", 10, "Account"))


def test_compaction_keeps_order_and_positions() -> None:
    index = ContactIndex()
    contacts = [Contact(f"id-{i}", f"c{i}@example.org", i + 1, "Account") for i in range(10)]
    for c in contacts:
        index.add(c)
    stamp = 10
    for _ in range(300):  # stale entries for the rebuild below to drop
        stamp += 1
        contacts[0].updated_at = stamp
        index.touched(contacts[0])
    for i in range(5):
        stamp += 1
        contacts[i].updated_at = stamp
        index.touched(contacts[i])
    index._compact()
    assert [c.contact_id for c in index.after(0)] == [
        f"id-{i}" for i in (5, 6, 7, 8, 9, 0, 1, 2, 3, 4)
    ]
    assert [c.contact_id for c in index.after(stamp - 1)] == ["id-4"]


@settings(max_examples=60)
@given(
    st.integers(min_value=1, max_value=5),
    st.lists(st.integers(min_value=0, max_value=3_000_000), min_size=1, max_size=80),
)
def test_no_second_admits_more_than_the_limit(limit: int, offsets: list[int]) -> None:
    limiter = RateLimiter(per_second=limit, per_day=None)
    admitted: dict[int, int] = {}
    for now in sorted(offsets):
        if limiter.admit(now) is None:
            admitted[now // 1_000_000] = admitted.get(now // 1_000_000, 0) + 1
    assert all(count <= limit for count in admitted.values())
    first_second = [o for o in offsets if o < 1_000_000]
    assert admitted.get(0, 0) == min(limit, len(first_second))


def test_the_daily_budget_resets_the_next_day() -> None:
    limiter = RateLimiter(per_second=None, per_day=2)
    day = 86_400_000_000
    assert [limiter.admit(t) for t in (1, 2)] == [None, None]
    refusal = limiter.admit(3)
    assert refusal is not None
    assert "daily limit of 2" in refusal
    assert limiter.admit(day + 1) is None
