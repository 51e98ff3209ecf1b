"""The rate limit is the Constant Contact account's, shared by every worker: two branches
of one organisation (two connections, the second `connect --reuse` of the first) sync
their lists at once on the two workers, against an emulator at Constant Contact's
4 requests a second (`--rate-limit 4`). The emulator counts every call by the second it
judged it in: no second holds more than 4, and nothing was refused with a 429. The
workers share the limit through Redis (LISTBRIDGE_RATE_LIMIT_URL, the broker's here)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from tests.scaleout.conftest import LIST, Cluster

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.testing import running_emulator
from listbridge.store.connections import connection_id
from listbridge.store.job_queue import latest_from
from listbridge.web.celery_runner import runner_for
from listbridge.web.job_work import ListSyncKind

#: one cluster per test session: every scale-out test on the same xdist worker
pytestmark = pytest.mark.xdist_group("scaleout")

RATE = 4
HEADER = "id,type,first_name,last_name,company_name,email,email_opt_out\n"
BRANCHES = {
    "north": [("N", "Aoife", "Ní Bhriain"), ("N", "Björn", "Ångström"), ("N", "Chloé", "Dubois")],
    "south": [("S", "Dilnoza", "Karimova"), ("S", "Émile", "Zola"), ("S", "Fatima", "Al-Sayed")],
}
PER_BRANCH = 6


def _people(branch: str) -> str:
    rows = []
    for n in range(PER_BRANCH):
        prefix, first, last = BRANCHES[branch][n % 3]
        email = f"{first.lower()}.{n}@{branch}.example.org".encode("ascii", "ignore").decode()
        rows.append(f"{prefix}-{n},individual,{first},{last} {n},,{email},{str(n == 4).lower()}")
    # a member of both branches: one contact in the shared account
    rows.append(f"{branch[0].upper()}-both,individual,Grace,Hopper,,grace.hopper@example.org,false")
    return HEADER + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def limited() -> Iterator[str]:
    config = EmulatorConfig(auto_approve=True, testing_controls=True, rate_limit=RATE)
    with running_emulator(config) as base_url:
        yield base_url


def _ok(cluster: Cluster, *args: str) -> None:
    result = cluster.cli(*args)
    assert result.exit_code == 0, result.output


def test_two_workers_on_one_account_keep_to_its_rate(cluster: Cluster, limited: str) -> None:
    _ok(cluster, "--connection", "north", "connect", "--emulator", limited)
    _ok(cluster, "--connection", "north", "lists", "create", LIST)
    _ok(cluster, "--connection", "south", "connect", "--reuse", "north")
    for branch in BRANCHES:
        people = cluster.logs / f"{branch}.csv"
        people.write_text(_people(branch), encoding="utf-8")
        _ok(cluster, "--connection", branch, "crm", "load", str(people))
        ids = [f"--account={line.split(',')[0]}" for line in _people(branch).splitlines()[1:]]
        _ok(cluster, "--connection", branch, "crm", "lists", "add", LIST, *ids)
    with httpx.Client(base_url=f"{limited}/__emulator__") as control:
        control.post("/counters/reset").raise_for_status()
        runner, _ = runner_for(cluster.store)
        branches = [connection_id(cluster.store, branch) for branch in BRANCHES]
        for cid in branches:
            runner.start(ListSyncKind((LIST,)), cid, "Grace Hopper")
        entries = [latest_from(cluster.store, cid, "web:") for cid in branches]
        ended = [cluster.finished(e.entry_id, timeout=90) for e in entries if e is not None]
        counters = control.get("/counters").json()
    assert [e.state for e in ended] == ["done", "done"], [e.message for e in ended]
    assert len({e.worker for e in ended}) == 2
    # the two ran at once, on the two workers
    assert max(e.started_at for e in ended) < min(e.finished_at or e.started_at for e in ended)
    per_second = counters["by_second"]
    assert sum(per_second.values()) == counters["total"] >= 2 * PER_BRANCH
    assert max(per_second.values()) <= RATE, per_second
    assert counters["too_many_requests"] == 0
