"""One sync at a time per connection, across real OS processes, on both backends."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from listbridge.config import LOCK_TTL_ENV as TTL_ENV
from listbridge.config import ProcessConfig
from listbridge.core.errors import LockHeldError, UserError
from listbridge.core.locks import ProcessRef
from listbridge.core.runs import RunStatus
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.lock_admin import Released, release_lock
from listbridge.store.locks import acquire, connection_lock, locked_run, read_lease
from listbridge.store.models import Lock
from listbridge.store.processes import holder_is_gone, is_running, started, this_machine
from listbridge.store.runs import get_run, list_runs

HOLDER = Path(__file__).with_name("lock_holder.py")
HOST = socket.gethostname()


def spawn(
    db_url: str, job: str, *, seconds: float = 60, ttl: float = 3, with_run: bool = False
) -> subprocess.Popen[str]:
    args = [sys.executable, str(HOLDER), db_url, "default", job, str(seconds)]
    return subprocess.Popen(
        [*args, "--with-run"] if with_run else args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, TTL_ENV: str(ttl)},
    )


def first_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The first line the process prints, or "" once it exits without one."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no output from pid {process.pid} within {timeout}s")
    return process.stdout.readline().strip()


def stop(process: subprocess.Popen[str], *, interrupt: bool = True) -> tuple[str, str]:
    """Ctrl-C the process (it releases its lock), or let it end; collect what it printed."""
    if interrupt and process.poll() is None:
        process.send_signal(signal.SIGINT)
    # Read through the text wrappers: first_line may have buffered more than a line.
    assert process.stdout is not None
    assert process.stderr is not None
    if process.stdout.closed:  # stopped before
        return "", ""
    with process.stdout, process.stderr:
        out, err = process.stdout.read(), process.stderr.read()
    process.wait(timeout=60)
    return out, err


def test_of_two_processes_exactly_one_gets_the_lock(db_url: str, store: Store) -> None:
    cid = connection_id(store, "default")
    processes = {job: spawn(db_url, job) for job in ("import", "push")}
    try:
        lines = {job: first_line(process) for job, process in processes.items()}
        winners = [job for job, line in lines.items() if line.startswith("ACQUIRED")]
        assert len(winners) == 1, lines
        winner, loser = winners[0], ({"import", "push"} - set(winners)).pop()
        _, refused = stop(processes[loser], interrupt=False)
        assert processes[loser].returncode == 3, refused
        holder = f"{winner} (pid {processes[winner].pid} on {HOST})"
        assert f"connection 'default' is busy: {holder} has held its lock since " in refused
        assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", refused)
        assert "Traceback" not in refused
    finally:
        outputs = {job: stop(process) for job, process in processes.items()}
    assert "RELEASED" in outputs[winner][0]
    assert processes[winner].returncode == 0
    assert read_lease(store, cid) is None


def killed_holder(db_url: str, store: Store, ttl: float) -> tuple[int, int]:
    """A holder with a run, killed with -9 (no release, no more heartbeats) and reaped:
    its pid and its run id."""
    holder = spawn(db_url, "import", ttl=ttl, with_run=True)
    line = first_line(holder)
    assert line.startswith("ACQUIRED"), stop(holder)
    holder.kill()
    stop(holder)
    return holder.pid, int(line.split()[1])


def test_a_killed_holder_s_lock_on_this_host_is_recovered_at_once(
    db_url: str, store: Store
) -> None:
    pid, run_id = killed_holder(db_url, store, ttl=60)
    cid = connection_id(store, "default")
    lease = read_lease(store, cid)
    assert lease is not None
    assert lease.process is not None
    assert (lease.process.pid, lease.process.machine) == (pid, this_machine())
    successor = spawn(db_url, "recovery", seconds=0)
    assert first_line(successor).startswith("ACQUIRED"), stop(successor)
    assert "RELEASED" in stop(successor, interrupt=False)[0]
    assert datetime.now(UTC) < lease.expires_at - timedelta(seconds=30)  # long before
    interrupted = get_run(store, cid, run_id)
    assert interrupted.status is RunStatus.INTERRUPTED
    assert f"import (pid {pid} on {HOST}) is no longer running" in interrupted.message


def _move_holder(store: Store, cid: int, **columns: object) -> None:
    with store.session() as session:
        session.execute(update(Lock).where(Lock.connection_id == cid).values(**columns))


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"process_machine": "crm-02 another-boot pid:[1]"},  # a holder on another host
        {"process_machine": None, "process_pid": None},  # a lock an older version took
    ],
    ids=["another-host", "unrecorded"],
)
def test_a_killed_holder_s_lock_elsewhere_is_recovered_once_expired_and_not_before(
    db_url: str, store: Store, elsewhere: dict[str, object]
) -> None:
    """This host cannot look at another host's processes: the lease decides there."""
    pid, run_id = killed_holder(db_url, store, ttl=3)
    cid = connection_id(store, "default")
    _move_holder(store, cid, **elsewhere)
    lease = read_lease(store, cid)
    assert lease is not None
    assert datetime.now(UTC) < lease.expires_at - timedelta(seconds=0.5)
    with pytest.raises(LockHeldError, match=rf"import \(pid {pid} on .*\), run {run_id}"):
        acquire(store, cid, "too early", timedelta(seconds=60))
    time.sleep((lease.expires_at - datetime.now(UTC)).total_seconds() + 0.2)
    successor = spawn(db_url, "recovery", seconds=0)
    assert first_line(successor).startswith("ACQUIRED"), stop(successor)
    assert "RELEASED" in stop(successor, interrupt=False)[0]
    interrupted = get_run(store, cid, run_id)
    assert interrupted.status is RunStatus.INTERRUPTED
    assert "stopped renewing the lock" in interrupted.message


def test_a_live_holder_on_this_host_is_refused(db_url: str, store: Store) -> None:
    holder = spawn(db_url, "push", ttl=60)
    try:
        assert first_line(holder).startswith("ACQUIRED")
        cid = connection_id(store, "default")
        with pytest.raises(LockHeldError, match=rf"push \(pid {holder.pid} on "):
            acquire(store, cid, "impatient", timedelta(seconds=60))
    finally:
        out, _ = stop(holder)
    assert "RELEASED" in out


def test_a_pid_taken_by_a_later_process_is_not_the_holder(store: Store) -> None:
    """The recorded start time tells the holder from a process that got its pid since."""
    cid = connection_id(store, "default")
    quiet = timedelta(seconds=30)
    with connection_lock(store, cid, "import", ttl=timedelta(seconds=60), heartbeat=quiet):
        with pytest.raises(LockHeldError):  # this very process: alive
            acquire(store, cid, "too early", timedelta(seconds=60))
        _move_holder(store, cid, process_started="-1")  # as if its pid now named another
        taken = acquire(store, cid, "next job", timedelta(seconds=60))
    assert taken.holder == "next job"


def test_the_process_probe(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    ref = ProcessRef(this_machine(), child.pid, started(child.pid))
    assert is_running(ref)
    assert is_running(replace(ref, started=None))  # no start time: its pid decides
    child.kill()
    deadline = time.monotonic() + 10
    while is_running(ref) and time.monotonic() < deadline:  # a zombie until reaped
        time.sleep(0.01)
    assert not is_running(ref)
    child.wait()
    assert not is_running(ref)
    assert is_running(ProcessRef(this_machine(), 1))  # PermissionError, or ours: alive
    assert not holder_is_gone(ProcessRef("elsewhere", child.pid, ref.started))
    assert holder_is_gone(ref)


def test_heartbeats_keep_a_long_job_s_lock_past_its_ttl(db_url: str, store: Store) -> None:
    holder = spawn(db_url, "sync full", ttl=1.5)
    try:
        assert first_line(holder).startswith("ACQUIRED")
        cid = connection_id(store, "default")
        first = read_lease(store, cid)
        assert first is not None
        time.sleep(4)  # well past the 1.5 s ttl
        later = read_lease(store, cid)
        assert later is not None
        assert later.owner == first.owner
        assert later.heartbeat_at - first.acquired_at > timedelta(seconds=1.5)
        with pytest.raises(LockHeldError, match="sync full"):
            acquire(store, cid, "impatient", timedelta(seconds=60))
    finally:
        out, _ = stop(holder)
    assert "RELEASED" in out


def test_locks_of_different_connections_are_independent(store: Store) -> None:
    first, second = connection_id(store, "first"), connection_id(store, "second")
    with connection_lock(store, first, "import"), connection_lock(store, second, "push") as held:
        assert read_lease(store, second) == held.lease
        with pytest.raises(LockHeldError, match="connection 'first' is busy: import"):
            acquire(store, first, "push", timedelta(seconds=60))
    assert read_lease(store, first) is None
    assert read_lease(store, second) is None


def test_release_leaves_a_successor_s_lock_alone(store: Store) -> None:
    cid = connection_id(store, "default")
    quiet = timedelta(seconds=30)  # no heartbeat during the test: the lease lapses
    with connection_lock(store, cid, "slow job", ttl=timedelta(seconds=0.2), heartbeat=quiet):
        time.sleep(0.3)
        successor = acquire(store, cid, "next job", timedelta(seconds=60))
    assert read_lease(store, cid) == successor


def test_a_job_learns_that_its_lock_was_taken_away(store: Store) -> None:
    cid = connection_id(store, "default")
    ttl, beat = timedelta(seconds=5), timedelta(seconds=0.05)
    with connection_lock(store, cid, "import", ttl=ttl, heartbeat=beat) as held:
        held.attach_run(42)
        assert release_lock(store, "default", force=True).released is Released.FORCED
        deadline = time.monotonic() + 10
        while not held.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held.lost
        with pytest.raises(LockHeldError, match="lease lapsed or was released"):
            held.check()


def test_the_ttl_comes_from_the_configuration(store: Store) -> None:
    configured = ProcessConfig.from_environ({TTL_ENV: "2.5"})
    assert configured.lock_ttl == timedelta(seconds=2.5)
    assert ProcessConfig.from_environ({}).lock_ttl == timedelta(seconds=60)
    with pytest.raises(UserError, match=f"{TTL_ENV}='soon' is not a number of seconds"):
        ProcessConfig.from_environ({TTL_ENV: "soon"})
    cid = connection_id(store, "default")
    with connection_lock(replace(store, config=configured), cid, "import (test)"):
        lease = read_lease(store, cid)
        assert lease is not None
        assert lease.expires_at - lease.heartbeat_at == timedelta(seconds=2.5)


def test_a_locked_run_names_its_run_in_the_lock(store: Store) -> None:
    cid = connection_id(store, "default")
    with locked_run(store, cid, "import", "cli test") as (held, run):
        lease = read_lease(store, cid)
        assert lease is not None
        assert lease.owner == held.lease.owner
        assert lease.describe().endswith(f", run {run.run_id}")
        with (
            pytest.raises(
                LockHeldError, match=rf"import \(pid {os.getpid()} .*\), run {run.run_id}"
            ),
            locked_run(store, cid, "push", "cli test"),
        ):
            pass  # never reached: refused before its run starts
    assert read_lease(store, cid) is None
    assert [r.kind for r in list_runs(store, cid)] == ["import"]
    assert get_run(store, cid, run.run_id).status is RunStatus.SUCCEEDED
