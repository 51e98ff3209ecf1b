"""The pure rules of campaign results (core/campaign_stats.py), property-tested: reading
newest-first pages down to a watermark, over any number of pulls, stores every row once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.campaign_stats import (
    TRACKED_KINDS,
    Counters,
    Event,
    cut_page,
    is_frozen,
    is_hard_bounce,
    percent,
    recipient_result,
    reports_to_read,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
# whole seconds, as Constant Contact dates its rows: several rows can share an instant
instants = st.integers(0, 40).map(lambda s: T0 + timedelta(seconds=s))
rows = st.tuples(instants, st.integers(0, 3))  # (when, which contact)


def pull(report: list[tuple[datetime, int]], stored: set[tuple[datetime, int]],
         watermark: datetime | None, page_size: int) -> datetime | None:  # fmt: skip
    """One pull as sync/stats/tracking.py makes it: pages newest first, cut at the
    watermark, rows kept once; the new watermark."""
    newest = watermark
    ordered = sorted(report, reverse=True)
    for start in range(0, len(ordered), page_size):
        page = ordered[start : start + page_size]
        cut = cut_page([at for at, _c in page], watermark)
        kept = page[: cut.keep]
        stored.update(kept)
        if kept:
            top = max(at for at, _c in kept)
            newest = top if newest is None else max(newest, top)
        if cut.done:
            break
    return newest


@given(
    st.lists(st.lists(rows, max_size=12), min_size=1, max_size=4),
    st.integers(1, 5),
)
def test_pulls_between_arrivals_store_every_row(
    batches: list[list[tuple[datetime, int]]], page_size: int
) -> None:
    """Rows arrive in batches, each no older than the newest before it (a report only
    grows at the top); a pull after each batch leaves every row stored."""
    report: list[tuple[datetime, int]] = []
    stored: set[tuple[datetime, int]] = set()
    watermark = None
    for batch in batches:
        floor = max((at for at, _c in report), default=T0)
        report += [(max(at, floor), c) for at, c in batch]
        watermark = pull(report, stored, watermark, page_size)
        assert stored == set(report)


@given(st.lists(instants, max_size=20), st.none() | instants)
def test_a_page_is_cut_where_it_passes_the_watermark(
    times: list[datetime], watermark: datetime | None
) -> None:
    page = sorted(times, reverse=True)
    cut = cut_page(page, watermark)
    if watermark is None:
        assert (cut.keep, cut.done) == (len(page), False)
        return
    assert all(at >= watermark for at in page[: cut.keep])
    assert cut.done == any(at < watermark for at in page)


@given(st.builds(Counters, *(st.integers(0, 1000) for _ in range(10))))
def test_only_reports_whose_counter_moved_are_read_again(now: Counters) -> None:
    read = dict.fromkeys(TRACKED_KINDS, "2026-11-01T00:00:00+00:00")
    assert reports_to_read(now, now, read) == ()
    assert reports_to_read(None, now, read) == TRACKED_KINDS
    assert reports_to_read(now, now, {}) == TRACKED_KINDS
    more = Counters(**{**now.__dict__, "opens_all": now.opens_all + 1})
    assert reports_to_read(now, more, read) == ("opens",)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_rates_are_percentages(part: int, whole: int) -> None:
    rate = percent(min(part, whole), whole)
    assert 0.0 <= rate <= 100.0
    assert percent(part, 0) == 0.0


def test_rates_follow_constant_contact() -> None:
    counters = Counters(sends=200, opens=76, clicks=19, bounces=10, optouts=2)
    assert counters.open_rate == 40.0  # of the 190 delivered
    assert counters.click_rate == 25.0  # of the openers
    assert (counters.bounce_rate, counters.optout_rate) == (5.0, 1.1)


def test_hard_bounces_are_the_bad_addresses() -> None:
    assert [c for c in "BDFSVXZ" if is_hard_bounce(c)] == ["B", "D"]
    assert is_hard_bounce(" b ")


def test_a_window_freezes_what_was_sent_before_it() -> None:
    now = T0 + timedelta(days=100)
    assert is_frozen(T0, now, 90)
    assert not is_frozen(T0, now, 100)
    assert not is_frozen(None, now, 1)


events = st.lists(
    st.builds(
        Event,
        st.sampled_from(TRACKED_KINDS),
        instants,
        st.sampled_from(["", "https://example.org/a", "https://example.org/b", "B", "F"]),
    ),
    max_size=15,
)


@given(events)
def test_a_recipient_result_sums_up_their_rows(rows: list[Event]) -> None:
    result = recipient_result(rows)
    assert result.opens == sum(e.kind == "opens" for e in rows)
    assert result.clicks == sum(e.kind == "clicks" for e in rows)
    assert result.opened == any(e.kind in ("opens", "clicks") for e in rows)
    assert len(result.links) == len(set(result.links))
    assert set(result.links) == {e.detail for e in rows if e.kind == "clicks" and e.detail}
    assert (result.opted_out_at is None) == all(e.kind != "optouts" for e in rows)
    bounces = [e for e in rows if e.kind == "bounces"]
    assert (result.bounced_at is None) == (not bounces)
