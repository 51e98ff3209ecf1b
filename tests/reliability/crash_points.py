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
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import Cli
from tests.constant_contact.conftest import CcEmulator
from tests.reliability.cli_forks import CliForks, Ended
from tests.support.reused_db import ReusedDatabase
from tests.sync.conftest import Scene
from tests.sync.crms import CRMS

from listbridge.constant_contact.bulk import Poller
from listbridge.constant_contact.client import ConstantContact
from listbridge.store.db import open_store
from listbridge.store.models import CampaignEvent, CcCampaign

CRASH_AT = "LISTBRIDGE_TEST_CRASH_AT"
_PASSED = re.compile(r"crash points passed: (.*)$", re.MULTILINE)
#: the builtin CRM and one SQL CRM by the documented example mapping
CRASH_CRMS = ("builtin", "sql-mariadb")
Snapshot = dict[str, Any]


@dataclass(frozen=True)
class Job:
    name: str
    #: the world before the job: both sides, in the test's process
    prepare: Callable[[Scene], None]
    #: `listbridge --db URL ARGS`
    args: tuple[str, ...]
    #: the run kinds the job records (a list sync's push runs inside its own run)
    kind: str


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
        self.stores: list[Any] = []

    def fresh(self, job: Job) -> Scene:
        self.made += 1
        url = f"sqlite:///{self.scratch / f'round{self.made}.db'}"
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
        snap["runs"] = _run_statuses(scene)
        return snap, passes

    def crash_and_resume(
        self, job: Job, expected: Snapshot, at: tuple[str, int], tally: Tally
    ) -> None:
        """One kill point: killed there, run again, compared with `expected`."""
        point, n = at
        tally.tried += 1
        scene = self.fresh(job)
        killed = self.job(scene, job, f"{point}:{n}")
        assert killed.exit_code in (0, -9), (at, killed.stderr)
        tally.killed += killed.killed
        again = self.job(scene, job)
        assert again.exit_code == 0, (at, again.stdout, again.stderr)
        tally.resumed += 1
        statuses = _run_statuses(scene)
        if killed.killed:  # the killed run is recorded as such, resumable
            assert statuses[:-1] == ["interrupted"], (at, statuses)
        # the re-run ends as the unkilled run did (succeeded, or partial for the same rows)
        found = dict(snapshot(scene), runs=statuses[-1:])
        wanted = dict(expected, runs=expected["runs"][-1:])
        for key in sorted(wanted):
            if found.get(key) != wanted[key]:
                tally.mismatches.append(f"{job.name} {tally.crm} {point}:{n}: {key} differs")
        assert found == wanted, (at, _difference(found, wanted))
        assert_no_duplicates(scene)


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
    """`count` passes out of 1..total, the first and the last among them."""
    if total <= 0 or count <= 0:
        return []
    if count == 1:
        return [total]
    return sorted({round(1 + i * (total - 1) / (count - 1)) for i in range(count)})


def snapshot(scene: Scene) -> Snapshot:
    """Both sides by address: CC's contacts, the CRM's accounts, the links between them,
    the CRM's list members and the campaign rows pulled."""
    accounts = scene.accounts()
    by_id = {a.id: a for a in accounts}
    with scene.cc.state.lock:
        names = {i: lst.name for i, lst in scene.cc.state.lists.items()}
        contacts = [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]
        emails = {c.contact_id: (c.email or "").lower() for c in contacts}
        cc = sorted(
            (emails[c.contact_id], c.first_name or "", c.last_name or "", c.permission,
             tuple(sorted(names.get(i, i) for i in c.lists or ())), bool(c.taggings))
            for c in contacts
        )  # fmt: skip
    return {
        "cc": cc,
        "crm": sorted(_person(a) for a in accounts),
        "links": sorted(
            (_person(by_id[a])[:3], emails.get(c, f"gone {c}"))
            for a, c in scene.links().items()
            if a in by_id
        ),
        "crm_lists": {
            name: sorted(_person(by_id[m])[:3] for m in scene.crm.list_members(name) if m in by_id)
            for name in scene.crm.lists()
        },
        "campaign_rows": _campaign_rows(scene, emails),
    }


def _person(account: Any) -> tuple[Any, ...]:
    return (account.email.strip().lower(), account.first_name, account.last_name,
            account.email_opt_out, account.do_not_contact, account.deceased)  # fmt: skip


def _campaign_rows(scene: Scene, emails: dict[str, str]) -> list[tuple[str, str, str, bool]]:
    with scene.store.session() as session:
        names = dict(session.execute(select(CcCampaign.campaign_id, CcCampaign.name)).all())
        rows = session.execute(
            select(
                CampaignEvent.campaign_id,
                CampaignEvent.kind,
                CampaignEvent.cc_contact_id,
                CampaignEvent.account_id,
            )
        ).all()
    counted = Counter(
        (str(names.get(c, c)), kind, emails.get(contact, contact), account is not None)
        for c, kind, contact, account in rows
    )
    return sorted((*key, n) for key, n in counted.items())  # type: ignore[misc]


def _run_statuses(scene: Scene) -> list[str]:
    runs = json.loads(scene.cli("runs", "ls", "--json").stdout)
    return [r["status"] for r in sorted(runs, key=lambda r: r["run_id"])]


def assert_no_duplicates(scene: Scene) -> None:
    """One live CC contact an address, one link a contact, one account a link."""
    with scene.cc.state.lock:
        emails = [(c.email or "").lower() for c in scene.cc.state.contacts.by_id.values()
                  if not c.is_deleted]  # fmt: skip
    assert len(emails) == len(set(emails)), Counter(emails).most_common(3)
    links = scene.links()
    assert len(set(links.values())) == len(links)


def _difference(found: Snapshot, wanted: Snapshot) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(set(found) | set(wanted)):
        a, b = found.get(key), wanted.get(key)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            out[key] = {
                "extra": [x for x in a if x not in b],
                "missing": [x for x in b if x not in a],
            }
        else:
            out[key] = {"found": a, "wanted": b}
    return out


def _url_of(engine: Any) -> str:
    return str(engine.url.render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliForks]:
    """One fork server a worker: its imports cost seconds once."""
    opened = CliForks(tmp_path_factory.mktemp("forks"))
    try:
        yield opened
    finally:
        opened.close()


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
    tmp_path: Path,
) -> RoundsFor:  # fmt: skip
    """Rounds for a CRM of tests/sync/crms.py, on the test's emulator."""

    def rounds(crm_name: str) -> Rounds:
        databases: dict[str, ReusedDatabase] = (
            request.getfixturevalue("crm_databases") if CRMS[crm_name].database else {}
        )
        return Rounds(wired, wired.client(), crm_name, databases, tmp_path, forks)

    return rounds


def crash_resume(rounds: Rounds, job: Job, count: int) -> Tally:
    """The job killed at `count` points spread over an unkilled run, each run again."""
    expected, passes = rounds.baseline(job)
    tally = Tally(job.name, rounds.crm_name)
    for at in spread(passes, count):
        rounds.crash_and_resume(job, expected, at, tally)
    return tally
