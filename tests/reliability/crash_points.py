"""Kill -9 a job at many points, run it again, compare with a run nobody killed.

A round is a fresh world: a new state store connected to the test's emulator (emptied
between rounds: a reset keeps its tokens and clients), the CRM under test (the builtin
one, or a SQL CRM's database put back as made), and the job's data put on both sides
(`Job.prepare`, in the test's process). The job itself runs as `listbridge` in a process
of its own (`cli_forks`); with `LISTBRIDGE_TEST_CRASH_AT=POINT:N` it kills itself with
SIGKILL the Nth time it passes POINT (src/listbridge/crash_points.py): after an answer of
Constant Contact, after a transaction of the store (every checkpoint, link and the run's
last bookkeeping), after a SQL CRM's own commit, after a token rotation before its save.

The baseline round runs the job once unkilled and counts the points it passes; the kill
points are spread over those (`spread`). Each kill round then runs the job killed, runs
it again, and compares what both sides hold, by address (never by id: ids differ between
rounds), with the baseline: no duplicate contact or account, no lost opt-out, link or
membership; the killed run recorded as interrupted, the re-run's counts adding up.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Cli, _pg_schema_url
from tests.constant_contact.conftest import CcEmulator
from tests.reliability.cli_forks import RATE, CliForks, Ended
from tests.reliability.crash_snapshot import (
    Snapshot,
    assert_no_duplicates,
    difference,
    run_statuses,
    snapshot,
)
from tests.support.reused_db import ReusedDatabase
from tests.sync.conftest import Scene
from tests.sync.crms import CRMS

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.polling import Poller
from listbridge.store.db import Store, open_store
from listbridge.sync import cc_connection

CRASH_AT = "LISTBRIDGE_TEST_CRASH_AT"
_PASSED = re.compile(r"crash points passed: (.*)$", re.MULTILINE)
#: the builtin CRM and one SQL CRM by the documented example mapping
CRASH_CRMS = ("builtin", "sql-mariadb")


@dataclass(frozen=True)
class Job:
    name: str
    #: the world before the job: both sides, in the test's process
    prepare: Callable[[Scene], None]
    #: `listbridge --db URL ARGS`
    args: tuple[str, ...]
    #: the re-run's `--json` result checked against the unkilled run's: its counts add up
    counts: Callable[[dict[str, Any], dict[str, Any]], None] | None = None


@dataclass
class Tally:
    """What a job on a CRM went through: kill points tried, killed, resumed, mismatched."""

    job: str
    crm: str
    tried: int = 0
    killed: int = 0
    resumed: int = 0
    mismatches: list[str] = field(default_factory=list)


class Rounds:
    """Fresh worlds for one job on one CRM, one after the other on the test's emulator."""

    def __init__(
        self, cc: CcEmulator, client: ConstantContact, crm_name: str,
        databases: dict[str, ReusedDatabase], scratch: Path, forks: CliForks,
    ) -> None:  # fmt: skip
        self.cc, self.client, self.crm_name = cc, client, crm_name
        self.databases, self.scratch, self.forks = databases, scratch, forks
        self.made = 0
        #: the state store's backend: SQLite, or PostgreSQL (LISTBRIDGE_CRASH_STORE)
        self.backend = os.environ.get(STORE_ENV) or "sqlite"
        self.schemas: list[Iterator[str]] = []
        #: the unkilled run's `--json` result
        self.result: dict[str, Any] = {}
        self.stores: list[Store] = []

    def fresh(self, job: Job) -> Scene:
        self.made += 1
        url = f"sqlite:///{self.scratch / f'round{self.made}.db'}"
        if self.backend == "postgresql":
            self.schemas.append(_pg_schema_url())
            url = next(self.schemas[-1])
        self.cc.control.post("/reset").raise_for_status()
        store = open_store(url)
        self.stores.append(store)
        cli = Cli(url)
        connected = cli("connect", "--emulator", self.cc.base_url)
        assert connected.exit_code == 0, connected.output
        chosen, engine = CRMS[self.crm_name], None
        if chosen.database is not None:
            engine = self.databases[self.crm_name].fresh()
            used = cli("crm", "use", *chosen.use(chosen, _url_of(engine), self.scratch))
            assert used.exit_code == 0, used.output
        scene = Scene(self.cc, cli, store, self.client, self.crm_name, engine)
        job.prepare(scene)
        return scene

    def close(self) -> None:
        for store in self.stores:
            store.close()
        for schema in self.schemas:
            schema.close()  # its schema dropped

    def job(self, scene: Scene, job: Job, crash_at: str = "") -> Ended:
        env = {"COLUMNS": "200", CRASH_AT: crash_at}
        return self.forks.run(["--db", scene.cli.db_url, *job.args], env)

    def baseline(self, job: Job) -> tuple[Snapshot, dict[str, int]]:
        """What an unkilled run leaves, and how often it passed each crash point."""
        scene = self.fresh(job)
        ended = self.job(scene, job, "request:0")
        assert ended.exit_code == 0, ended.stderr
        found = _PASSED.search(ended.stderr)
        assert found, ended.stderr
        passes = {k: int(v) for k, v in (p.split("=") for p in found[1].split())}
        snap = snapshot(scene)
        snap["runs"] = run_statuses(scene)[-1:]
        self.result = json.loads(ended.stdout)
        return snap, passes

    def crash_and_resume(
        self, job: Job, expected: Snapshot, at: tuple[str, int], tally: Tally
    ) -> None:
        """One kill point: killed there, run again, compared with `expected`; what differs
        goes into `tally.mismatches` (a test asserts there is none; the soak goes on)."""
        point, n = at
        tally.tried += 1
        scene = self.fresh(job)
        before = len(run_statuses(scene))  # the world's own runs (a set-up's push)
        killed = self.job(scene, job, f"{point}:{n}")
        tally.killed += killed.killed
        again = self.job(scene, job)
        problems = _problems(killed, again)
        if not problems:
            tally.resumed += 1
            statuses = run_statuses(scene)[before:]
            problems = self._compared(scene, job, expected, statuses, again.stdout)
        tally.mismatches += [f"{job.name} on {tally.crm} killed at {point}:{n}: {p}"
                             for p in problems]  # fmt: skip

    def _compared(
        self, scene: Scene, job: Job, expected: Snapshot, statuses: list[str], result: str
    ) -> list[str]:
        final = expected["runs"][-1]
        # the killed run, when it got as far as recording one, is interrupted (resumable),
        # or ended as the unkilled one did when killed after its last bookkeeping
        problems = [] if statuses[:-1] in ([], ["interrupted"], [final]) else [f"runs {statuses}"]
        found = dict(snapshot(scene), runs=statuses[-1:])
        wanted = dict(expected, runs=[final])
        if found != wanted:
            problems.append(f"final state differs: {difference(found, wanted)}")
        try:
            if job.counts is not None:
                job.counts(json.loads(result), self.result)
            assert_no_duplicates(scene)
        except AssertionError as error:
            problems.append(f"{error!r}")
        return problems


def _problems(killed: Ended, again: Ended) -> list[str]:
    problems = []
    if killed.exit_code not in (0, -9):
        problems.append(f"the killed run ended {killed.exit_code}: {killed.stderr[-500:]}")
    if again.exit_code != 0:
        problems.append(f"the re-run ended {again.exit_code}: {again.stderr[-500:]}")
    return problems


def spread(passes: dict[str, int], count: int) -> list[tuple[str, int]]:
    """`count` kill points over what a run passes: about half after answers of CC, the rest
    after commits (the last one always: the run's final bookkeeping), a SQL CRM's commits
    among them when it has any."""
    crm = min(2, passes.get("crm_commit", 0), max(0, count - 4))
    commits = (count - crm) // 2
    requests = count - crm - commits
    chosen = [("request", n) for n in _evenly(passes["request"], requests)]
    chosen += [("commit", n) for n in _evenly(passes["commit"], commits)]
    chosen += [("crm_commit", n) for n in _evenly(passes.get("crm_commit", 0), crm)]
    return chosen


def _evenly(total: int, count: int) -> list[int]:
    """`count` passes out of 1..total, the first and the last among them (one: the middle)."""
    if total <= 0 or count <= 0:
        return []
    if count == 1:
        return [(total + 1) // 2]
    return sorted({round(1 + i * (total - 1) / (count - 1)) for i in range(count)})


def _url_of(engine: Any) -> str:
    return str(engine.url.render_as_string(hide_password=False))


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's own pushes (a world's set-up) poll bulk activities from 20 ms, as the
    forked jobs do (`cli_forks`)."""
    for name in ("wait", "wait_all"):
        slow = getattr(Poller, name)

        def quick(self: Poller, *args: Any, _slow: Any = slow, **kw: Any) -> Any:
            return _slow(Poller(first=0.02, cap=0.1, timeout=self.timeout), *args, **kw)

        monkeypatch.setattr(Poller, name, quick)


RoundsFor = Callable[[str], Rounds]


@pytest.fixture(name="crash_rounds")
def crash_rounds_fixture(
    wired: CcEmulator, forks: CliForks, quick_polls: None, request: pytest.FixtureRequest,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RoundsFor]:  # fmt: skip
    """Rounds for a CRM of tests/sync/crms.py, on the test's emulator; the test's own
    clients (a world's set-up) as fast as the forked jobs'."""
    monkeypatch.setitem(cc_connection.CLIENT_OPTIONS, "limiter", Limiter(RATE))

    made: list[Rounds] = []

    def rounds(crm_name: str) -> Rounds:
        databases: dict[str, ReusedDatabase] = (
            request.getfixturevalue("crm_databases") if CRMS[crm_name].database else {}
        )
        made.append(Rounds(wired, wired.client(), crm_name, databases, tmp_path, forks))
        return made[-1]

    try:
        yield rounds
    finally:
        for each in made:
            each.close()


def crash_resume(rounds: Rounds, job: Job, count: int) -> Tally:
    """The job killed at `count` points spread over an unkilled run, each run again."""
    expected, passes = rounds.baseline(job)
    tally = Tally(job.name, rounds.crm_name)
    for at in spread(passes, count):
        rounds.crash_and_resume(job, expected, at, tally)
    return tally


#: `postgresql`: every round's state store a PostgreSQL schema (bench/crash_soak.py --store)
STORE_ENV = "LISTBRIDGE_CRASH_STORE"
#: kill points for every job and CRM instead of CI's (bench/crash_soak.py sets it)
POINTS_ENV = "LISTBRIDGE_CRASH_POINTS"
#: a file each test appends its tally to, a JSON line each (bench/crash_soak.py reads it)
TALLY_ENV = "LISTBRIDGE_CRASH_TALLY"


def points_for(ci: int) -> int:
    return int(os.environ.get(POINTS_ENV) or ci)


def kept(tally: Tally) -> Tally:
    """The tally, appended to the soak's file when one is given."""
    path = os.environ.get(TALLY_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(tally), ensure_ascii=False) + "\n")
    return tally
