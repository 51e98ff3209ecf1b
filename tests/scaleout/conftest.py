"""A small scale-out cluster per test module: a PostgreSQL database of its own, its own
Redis database (the broker, flushed), the emulator on a loopback thread of the test
process, and two `listbridge worker` processes on them, started as an administrator
starts them. The test process plays the web admin (celery_runner.py) and the scheduler.

Runs once per test session whatever the backends, and only where PostgreSQL is a backend
under test (LISTBRIDGE_TEST_BACKENDS): workers on SQLite are not a supported set-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from tests.conftest import BACKENDS, Cli

from listbridge.config import ProcessConfig
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import running_emulator
from listbridge.store.db import Store, open_store
from listbridge.store.job_queue import Entry, get_entry

collect_ignore_glob = [] if "postgresql" in BACKENDS else ["test_*.py"]

PG_HOST = "postgresql://postgres@127.0.0.1:5432"
#: this suite's own Redis databases (one per xdist worker): no other test uses them
REDIS_DB = 11
#: short enough that a killed worker's job comes back within the test's patience
VISIBILITY_SECONDS = "3"
LOCK_TTL_SECONDS = "3"

#: a small, realistic CRM: a household sharing an address, an opted-out person, an
#: organisation, names in several scripts
PEOPLE_CSV = (
    "id,type,first_name,last_name,company_name,email,email_opt_out\n"
    "H-1,individual,Zoë,Müller,,mueller.family@example.org,false\n"
    "H-2,individual,Jürgen,Müller,,mueller.family@example.org,false\n"
    "P-3,individual,Siobhán,O'Neill,,siobhan.oneill@example.ie,true\n"
    "P-4,individual,Nguyễn,Văn An,,an.nguyen@example.vn,false\n"
    "P-5,individual,Ольга,Петрова,,olga.petrova@example.ru,false\n"
    "O-6,organization,,,Café Lumière,contact@cafe-lumiere.example.fr,false\n"
)


#: the list paired on both sides that the browser's list sync pushes
LIST = "Members"


@dataclass
class Cluster:
    db_url: str
    env: dict[str, str]
    store: Store
    cli: Cli
    emulator_url: str
    emulator: EmulatorState
    control: httpx.Client
    logs: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = self.logs / f"worker-{len(self.workers) + 1}.log"
        command = [sys.executable, "-m", "listbridge", "worker", "--concurrency", "1"]
        with log.open("wb") as out:
            process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        self.workers.append(process)
        return process

    def wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        log = self.logs / f"worker-{self.workers.index(process) + 1}.log"
        wait_for(lambda: b" ready." in log.read_bytes(), 90, lambda: log.read_text())
        assert process.poll() is None, log.read_text()

    def live_pids(self) -> set[int]:
        return {p.pid for p in self.workers if p.poll() is None}

    def kill(self, pid: int) -> None:
        process = next(p for p in self.workers if p.pid == pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                # a cold shutdown: every test waited for its jobs already
                process.send_signal(signal.SIGQUIT)
        for process in self.workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def finished(self, entry_id: int, timeout: float = 60) -> Entry:
        """The entry once a worker finished it."""

        def done() -> Entry | None:
            entry = get_entry(self.store, entry_id)
            return entry if entry is not None and not entry.active else None

        return wait_for(done, timeout, lambda: self.worker_logs())

    def worker_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))

    def load_members(self, csv_text: str) -> None:
        """Accounts into the CRM, and onto the list: the next list sync pushes them."""
        path = self.logs / f"load-{uuid.uuid4().hex[:6]}.csv"
        path.write_text(csv_text, encoding="utf-8")
        _ok(self.cli("crm", "load", str(path)))
        ids = [f"--account={line.split(',')[0]}" for line in csv_text.splitlines()[1:]]
        _ok(self.cli("crm", "lists", "add", LIST, *ids))

    def faults(self, **faults: Any) -> None:
        self.control.post("/faults", json=faults).raise_for_status()

    def counters(self) -> dict[str, Any]:
        found: dict[str, Any] = self.control.get("/counters").json()
        return found


def wait_for(found: Callable[[], Any], timeout: float, why: Callable[[], str] = lambda: "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout} s\n{why()}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    name = f"lbscale_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{PG_HOST}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(f"{PG_HOST}/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def broker(worker_id: str) -> Iterator[str]:
    index = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    url = f"redis://127.0.0.1:6379/{REDIS_DB + index}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def cluster_once(
    database: str, broker: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Connection `default` on the emulator, with the CRM of PEOPLE_CSV; two workers.

    One per session: the workers take seconds to start, and every module shares them."""
    home = tmp_path_factory.mktemp("scaleout")
    env = {
        **os.environ,
        "LISTBRIDGE_DATABASE_URL": database,
        "LISTBRIDGE_BROKER_URL": broker,
        "LISTBRIDGE_KEY_FILE": str(home / "secret.key"),
        "LISTBRIDGE_LOCK_TTL_SECONDS": LOCK_TTL_SECONDS,
        "LISTBRIDGE_BROKER_VISIBILITY_SECONDS": VISIBILITY_SECONDS,
    }
    env.pop("LISTBRIDGE_SECRET_KEY", None)
    state = EmulatorState()
    with (
        pytest.MonkeyPatch.context() as patch,
        running_emulator(
            EmulatorConfig(auto_approve=True, testing_controls=True), state
        ) as base_url,
        httpx.Client(base_url=f"{base_url}/__emulator__", timeout=60) as control,
    ):
        for name in ("LISTBRIDGE_KEY_FILE", "LISTBRIDGE_LOCK_TTL_SECONDS",
                     "LISTBRIDGE_BROKER_URL", "LISTBRIDGE_BROKER_VISIBILITY_SECONDS"):  # fmt: skip
            patch.setenv(name, env[name])
        patch.delenv("LISTBRIDGE_SECRET_KEY", raising=False)
        store = open_store(database, config=ProcessConfig.from_environ(env))
        cli = Cli(database)
        _ok(cli("connect", "--emulator", base_url))
        people = home / "people.csv"
        people.write_text(PEOPLE_CSV, encoding="utf-8")
        _ok(cli("crm", "load", str(people)))
        _ok(cli("lists", "create", LIST))
        members = [f"--account={line.split(',')[0]}" for line in PEOPLE_CSV.splitlines()[1:]]
        _ok(cli("crm", "lists", "add", LIST, *members))
        made = Cluster(database, env, store, cli, base_url, state, control, home)
        try:
            yield made
        finally:
            made.stop()
            store.close()


@pytest.fixture(scope="module")
def cluster(cluster_once: Cluster) -> Cluster:
    """The session's cluster with two live workers (a module may have killed one)."""
    started = [cluster_once.start_worker() for _ in range(2 - len(cluster_once.live_pids()))]
    for process in started:
        cluster_once.wait_ready(process)
    cluster_once.faults(latency_ms=0)
    return cluster_once


def _ok(result: Any) -> None:
    assert result.exit_code == 0, result.output
