"""A refused slot waits its turn (issue 20): the in-process scheduler's slot that finds
the connection's lock held is retried after 1 minute, then 2, 4, 8 and 15 at most, one
retry per slot; it is not retried past its next regular firing, and a run (or a slot
skipped for another reason) ends the retries. The clock is injected and the scheduler is
started paused: the tests fire a slot by calling `run_slot` and read the pending jobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import pytest

from listbridge.core.setting_values import Frequency
from listbridge.core.setting_values import Schedule as Calendar
from listbridge.runner.registry import Registry, Trigger
from listbridge.runner.scheduler import LOCAL, Scheduler, Slot, clock_time, retry_id
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.models import CcAccount
from listbridge.store.settings import set_settings

NIGHTLY = Calendar(Frequency.DAILY, time(2, 0))
AT_TWO = datetime(2026, 6, 10, 2, 0, tzinfo=LOCAL)  # far from any DST change
MINUTE = timedelta(minutes=1)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Pull:
    """A job that takes the connection's lock, as every sync does, and counts its runs."""

    ran: list[datetime] = field(default_factory=list)
    clock: Clock | None = None

    def __call__(self, store: Store, connection: int) -> None:
        with connection_lock(store, connection, holder_here("stats")):
            assert self.clock is not None
            self.ran.append(self.clock.now)


@dataclass
class Started:
    scheduler: Scheduler
    slot: Slot
    clock: Clock
    pull: Pull
    connection: int


def connected(store: Store) -> int:
    """The default connection with a Constant Contact account (else it has no slots); the
    jobs here never call Constant Contact, so it needs no tokens."""
    connection = connection_id(store, "default")
    with store.session() as session:
        session.add(CcAccount(connection_id=connection, client_id="listbridge-test",
                              api_base="http://127.0.0.1:9/v3", auth_base="http://127.0.0.1:9",
                              redirect_uri="http://127.0.0.1:9/cb",
                              connected_at=datetime.now(UTC)))  # fmt: skip
    return connection


@pytest.fixture
def started(request: pytest.FixtureRequest, store: Store) -> Iterator[Started]:
    every: Trigger = getattr(request, "param", NIGHTLY)
    connection = connected(store)
    clock, pull = Clock(AT_TWO), Pull()
    pull.clock = clock
    registry = Registry()
    registry.register_schedule("stats", lambda _settings: every, pull)
    scheduler = Scheduler(store, registry, clock=clock)
    [slot] = scheduler.start(paused=True)
    try:
        yield Started(scheduler, slot, clock, pull, connection)
    finally:
        scheduler.shutdown()


def refused(s: Started) -> str:
    """Fire the slot while a push holds the connection: the run log's line."""
    with connection_lock(s.scheduler.store, s.connection, holder_here("push")):
        s.scheduler.run_slot(s.slot)
    return s.scheduler.events[-1]


def test_a_refused_nightly_slot_retries_doubling_up_to_15_minutes(started: Started) -> None:
    s = started
    waits = []
    for _ in range(7):
        line = refused(s)
        [(key, at)] = s.scheduler.pending_retries().items()  # one per slot: replaced
        assert key == retry_id(s.slot)
        waits.append(round((at - s.clock.now) / MINUTE))
        assert "stats (connection" in line
        assert "refused: connection 'default' is busy: push (pid" in line
        assert line.endswith(f"; retrying at {clock_time(at)}"), line
        s.clock.now = at  # the retry fires, and meets the lock again
    assert waits == [1, 2, 4, 8, 15, 15, 15]
    assert s.pull.ran == []
    assert clock_time(AT_TWO + MINUTE) == "02:01 (local time)"


def test_the_retry_runs_once_the_lock_is_free_and_the_retries_end(started: Started) -> None:
    s = started
    for _ in range(2):
        refused(s)
        [s.clock.now] = s.scheduler.pending_retries().values()
    s.scheduler.run_slot(s.slot)  # the holder is done
    assert s.scheduler.events[-1].endswith(f"{s.slot.label} ran")
    assert s.pull.ran == [AT_TWO + 3 * MINUTE]
    assert s.scheduler.pending_retries() == {}
    # the count starts again: the next refusal waits one minute, not four
    refused(s)
    assert list(s.scheduler.pending_retries().values()) == [s.clock.now + MINUTE]


@pytest.mark.parametrize("started", [timedelta(minutes=3)], indirect=True)
def test_no_retry_past_the_slot_s_next_regular_firing(started: Started) -> None:
    s = started
    assert refused(s).endswith(f"retrying at {clock_time(AT_TWO + MINUTE)}")
    s.clock.now = AT_TWO + MINUTE
    # 2 more minutes would be 02:03, when the slot fires anyway
    line = refused(s)
    assert line.endswith(f"; waiting for the next slot at {clock_time(AT_TWO + 3 * MINUTE)}")
    assert s.scheduler.pending_retries() == {}
    s.clock.now = AT_TWO + 3 * MINUTE
    s.scheduler.run_slot(s.slot)
    assert s.pull.ran == [AT_TWO + 3 * MINUTE]


def test_a_slot_skipped_for_sync_disabled_drops_its_retry(started: Started) -> None:
    s = started
    refused(s)
    assert len(s.scheduler.pending_retries()) == 1
    set_settings(s.scheduler.store, s.connection, ["sync.enabled=false"])
    s.clock.now = AT_TWO + MINUTE
    s.scheduler.run_slot(s.slot)
    assert "skipped: sync disabled for connection 'default'" in s.scheduler.events[-1]
    assert s.scheduler.pending_retries() == {}
    assert s.pull.ran == []


def test_a_slot_run_without_a_started_scheduler_waits_for_its_next_slot(store: Store) -> None:
    connection = connected(store)
    registry = Registry()
    registry.register_schedule("stats", lambda _settings: NIGHTLY, Pull(clock=Clock(AT_TWO)))
    scheduler = Scheduler(store, registry, clock=Clock(AT_TWO))
    [slot] = scheduler.slots()
    with connection_lock(store, connection, holder_here("push")):
        scheduler.run_slot(slot)
    assert "refused:" in scheduler.events[-1]
    assert scheduler.events[-1].endswith("waiting for the next slot")
    assert scheduler.pending_retries() == {}
