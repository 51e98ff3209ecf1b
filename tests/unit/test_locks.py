"""The lease arithmetic of a connection's lock, for any time and ttl."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.locks import (
    BEATS_PER_TTL,
    Holder,
    Lease,
    ProcessRef,
    expiry,
    heartbeat_interval,
    holder_gone,
    new_lease,
)

# Hypothesis bounds are naive by design; the values it draws are aware (UTC).
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
ttls = st.timedeltas(min_value=timedelta(milliseconds=1), max_value=timedelta(days=1))
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))


@given(moments, ttls, gaps)
def test_a_lease_is_live_until_its_expiry_and_stale_after(
    start: datetime, ttl: timedelta, gap: timedelta
) -> None:
    lease = new_lease("owner", "job", start, ttl)
    assert lease.expires_at == start + ttl
    now = start + gap
    assert lease.is_stale(now) == (gap > ttl)


@given(moments, ttls, gaps, gaps)
def test_staleness_never_reverts_without_a_heartbeat(
    start: datetime, ttl: timedelta, gap: timedelta, later: timedelta
) -> None:
    lease = new_lease("owner", "job", start, ttl)
    if lease.is_stale(start + gap):
        assert lease.is_stale(start + gap + later)


@given(moments, ttls, gaps)
def test_a_heartbeat_renews_the_lease_for_a_whole_ttl(
    start: datetime, ttl: timedelta, gap: timedelta
) -> None:
    beat_at = start + gap
    renewed = new_lease("owner", "job", start, ttl).renewed(beat_at, ttl)
    assert renewed.acquired_at == start
    assert renewed.heartbeat_at == beat_at
    assert not renewed.is_stale(beat_at + ttl)
    assert renewed.is_stale(beat_at + ttl + timedelta(microseconds=1))


@given(ttls)
def test_heartbeats_come_several_times_per_ttl(ttl: timedelta) -> None:
    interval = heartbeat_interval(ttl)
    assert interval < ttl
    assert abs(interval * BEATS_PER_TTL - ttl) <= timedelta(microseconds=BEATS_PER_TTL)


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(seconds=-1)])
def test_a_lease_needs_a_positive_ttl(ttl: timedelta) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        expiry(datetime(2024, 1, 1, tzinfo=UTC), ttl)


def test_the_holder_names_job_pid_host_and_run() -> None:
    holder = str(Holder("import", 4711, "crm-01"))
    assert holder == "import (pid 4711 on crm-01)"
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert Lease("o", holder, now, now, now, run_id=7).describe() == f"{holder}, run 7"
    assert Lease("o", holder, now, now, now).describe() == holder


def test_only_a_gone_holder_of_this_very_machine_is_gone() -> None:
    holder = ProcessRef("crm-01 boot pid:[1]", 4711, "123")
    gone, alive = (lambda _p: False), (lambda _p: True)
    assert holder_gone(holder, "crm-01 boot pid:[1]", gone)
    assert not holder_gone(holder, "crm-01 boot pid:[1]", alive)
    assert not holder_gone(holder, "crm-02 boot pid:[1]", gone)  # elsewhere: the lease decides
    assert not holder_gone(None, "crm-01 boot pid:[1]", gone)  # unrecorded: the lease decides


def test_a_renewed_lease_keeps_its_holder_process() -> None:
    now, ttl = datetime(2026, 1, 1, tzinfo=UTC), timedelta(seconds=60)
    process = ProcessRef("crm-01", 4711, "123")
    renewed = new_lease("o", "job", now, ttl, process).renewed(now + ttl / 3, ttl)
    assert renewed.process == process
    assert renewed.expires_at == now + ttl / 3 + ttl
