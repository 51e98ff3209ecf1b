"""`listbridge locks ls | release`: an administrator sees and frees locks."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from tests.conftest import Cli
from typer.testing import Result

from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.locks import connection_lock, read_lease
from listbridge.store.models import Lock

Invoke = Callable[..., Result]


@pytest.fixture
def locks_cli(cli: Cli) -> Invoke:
    return cli


def test_ls_shows_who_holds_which_connection(store: Store, locks_cli: Invoke) -> None:
    assert locks_cli("locks", "ls").stdout.strip() == "no connection is locked"
    cid = connection_id(store, "default")
    with connection_lock(store, cid, "import (pid 1 on crm-01)") as held:
        held.attach_run(7)
        shown = locks_cli("locks", "ls", "--json")
        table = locks_cli("locks", "ls")
    assert shown.exit_code == 0, shown.output
    [lock] = json.loads(shown.stdout)
    assert lock["connection"] == "default"
    assert lock["holder"] == "import (pid 1 on crm-01)"
    assert lock["run_id"] == 7
    assert lock["stale"] is False
    assert set(lock) >= {"acquired_at", "heartbeat_at", "expires_at"}
    assert "import (pid 1 on crm-01), run 7" in table.stdout
    assert "live" in table.stdout


def test_a_live_lock_is_released_only_with_force(store: Store, locks_cli: Invoke) -> None:
    cid = connection_id(store, "default")
    with connection_lock(store, cid, "push (pid 2 on crm-01)") as held:
        refused = locks_cli("locks", "release", "default")
        assert refused.exit_code == 2
        assert "the lock of connection 'default' is live: push (pid 2 on crm-01)" in refused.stderr
        assert "--force" in refused.stderr
        assert read_lease(store, cid) == held.lease
        forced = locks_cli("locks", "release", "default", "--force")
        assert forced.exit_code == 0, forced.output
        assert "released the live lock (forced)" in forced.stdout
        assert read_lease(store, cid) is None


def test_an_expired_lock_is_released_without_force(store: Store, locks_cli: Invoke) -> None:
    cid = connection_id(store, "default")
    quiet = timedelta(seconds=30)
    with connection_lock(store, cid, "dead job", ttl=timedelta(seconds=0.1), heartbeat=quiet):
        time.sleep(0.2)
        freed = locks_cli("locks", "release", "default")
        assert freed.exit_code == 0, freed.output
        assert "released the lock of connection 'default', held by dead job" in freed.stdout
        assert "its holder is gone" in freed.stdout
    assert locks_cli("locks", "release", "default").stdout.strip() == (
        "connection 'default' holds no lock"
    )


def test_a_lock_whose_process_is_gone_from_this_machine_is_released_without_force(
    store: Store, locks_cli: Invoke
) -> None:
    """As a job would take it over at once (`kill -9`), so does `locks release`."""
    cid = connection_id(store, "default")
    dead = subprocess.Popen(["true"])
    dead.wait()  # reaped: its pid names no process of this machine now
    with connection_lock(store, cid, "killed job"):
        with store.session() as session:
            session.query(Lock).update({"process_pid": dead.pid})
        [shown] = json.loads(locks_cli("locks", "ls", "--json").stdout)
        assert shown["stale"] is True
        freed = locks_cli("locks", "release", "default")
        assert freed.exit_code == 0, freed.output
        assert "its holder is gone" in freed.stdout
        assert read_lease(store, cid) is None


def test_release_of_an_unknown_connection_is_a_usage_error(locks_cli: Invoke) -> None:
    result = locks_cli("locks", "release", "nosuch")
    assert result.exit_code == 2
    assert "no connection named 'nosuch'" in result.stderr
