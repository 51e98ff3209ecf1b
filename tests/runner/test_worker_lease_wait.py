"""When a worker's job meets the connection's lock: wait for a silent holder's lease to
lapse (a worker killed on another machine), never for a live one (runner/tasks.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from listbridge.runner.tasks import MARGIN, first_delivery_alive, lease_wait
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.models import Lock

NOW = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


def _hold(store: Store, beat_ago: timedelta, machine: str = "crm-02|boot-7") -> int:
    """The lock of a push on another machine, whose last heartbeat was `beat_ago`."""
    cid = connection_id(store, "Förderverein")
    beat = NOW - beat_ago
    with store.session() as session:
        session.add(Lock(
            connection_id=cid, owner="o1", holder="push (pid 4711 on crm-02)", run_id=None,
            acquired_at=beat - timedelta(minutes=5), heartbeat_at=beat, expires_at=beat + TTL,
            process_machine=machine, process_pid=4711, process_started="1",
        ))  # fmt: skip
    return cid


def test_a_live_holder_is_not_waited_for(store: Store) -> None:
    cid = _hold(store, timedelta(seconds=5))
    assert lease_wait(store, cid, NOW) is None


def test_a_silent_holder_is_waited_for_until_its_lease_lapses(store: Store) -> None:
    cid = _hold(store, timedelta(seconds=50))
    assert lease_wait(store, cid, NOW) == pytest.approx(10 + MARGIN.total_seconds())


def test_a_released_lock_is_tried_again_at_once(store: Store) -> None:
    assert lease_wait(store, connection_id(store, "Förderverein"), NOW) == MARGIN.total_seconds()


def test_a_job_delivered_again_waits_while_the_lock_is_live_elsewhere(store: Store) -> None:
    cid = _hold(store, timedelta(seconds=5))
    assert first_delivery_alive(store, cid, NOW) == pytest.approx(55 + MARGIN.total_seconds())
    assert first_delivery_alive(store, cid, NOW + timedelta(seconds=56)) is None  # lapsed
