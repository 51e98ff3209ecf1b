"""Two processes, two connections of one Constant Contact account, one emulator subprocess at
Constant Contact's 4 requests a second: with LISTBRIDGE_RATE_LIMIT_URL the account's rate and
daily budget are shared and the emulator never counts more than 4 calls in a second; without
it, each process keeps 4 a second on its own and together they exceed the account's limit.

Each test makes the emulator another account (an id of its own), so the Redis keys of
parallel runs never meet.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import Cli
from tests.support.emulator_process import emulator_process

from listbridge.constant_contact.redis_limiter import RedisLimiter
from listbridge.store.budget import budget_today
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.sync.cc_connection import account_limiter

REDIS_URL = "redis://127.0.0.1:6379/13"
CALLS = 8  # per process: two seconds at the account's rate
BRANCH = ("--connection", "branch-office")

CALLER = """
import json, sys
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.sync.cc_connection import open_client
store = open_store(sys.argv[1])
client = open_client(store, connection_id(store, sys.argv[2]))
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[3])):
    client.account_summary()
print(json.dumps({"statuses": dict(client.session.stats.statuses),
                  "limiter": type(client.session.limiter).__name__}))
"""


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """`listbridge emulator --auto-approve --rate-limit 4` in a process of its own."""
    with emulator_process("--rate-limit", "4") as url:
        yield url


@pytest.fixture
def account(emulator_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator as a Constant Contact account of this test's own."""
    monkeypatch.setenv("LISTBRIDGE_KEY_FILE", str(tmp_path / "keys" / "secret.key"))
    for name in ("LISTBRIDGE_SECRET_KEY", "LISTBRIDGE_BROKER_URL", "LISTBRIDGE_RATE_LIMIT_URL"):
        monkeypatch.delenv(name, raising=False)
    account_id = f"a{uuid.uuid4().hex[:12]}"
    body = {"encoded_account_id": account_id, "organization_name": "Hôtel-Dieu Amis"}
    httpx.post(f"{emulator_url}/__emulator__/account", json=body).raise_for_status()
    return account_id


def connected(cli: Cli, emulator_url: str, *options: str) -> None:
    answer = cli(*options, "connect", "--emulator", emulator_url)
    assert answer.exit_code == 0, answer.output


def two_connections_of_one_account(cli: Cli, emulator_url: str) -> None:
    connected(cli, emulator_url)
    answer = cli(*BRANCH, "connect", "--reuse", "default")
    assert answer.exit_code == 0, answer.output


def run_together(cli: Cli, emulator_url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Both connections' processes, started at once; what they saw and the emulator's counters."""
    pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    processes = [
        subprocess.Popen([sys.executable, "-c", CALLER, cli.db_url, name, str(CALLS)], **pipes)
        for name in ("default", "branch-office")
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n", process.communicate()
    httpx.post(f"{emulator_url}/__emulator__/counters/reset").raise_for_status()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    seen = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        seen.append(json.loads(out))
    counters: dict[str, Any] = httpx.get(f"{emulator_url}/__emulator__/counters").json()
    return seen, counters


def test_two_processes_of_one_account_share_its_rate_and_budget(
    cli: Cli, emulator_url: str, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LISTBRIDGE_RATE_LIMIT_URL", REDIS_URL)
    two_connections_of_one_account(cli, emulator_url)
    connected(cli, emulator_url, "--connection", "annex")  # authorised on its own
    store = open_store(cli.db_url)
    try:
        ids = [connection_id(store, name) for name in ("default", "branch-office", "annex")]
        keys = set()
        for cid in ids:
            limiter = account_limiter(store, cid, None, 4.0)
            assert isinstance(limiter, RedisLimiter)
            keys.add(limiter.starts_key)
        assert keys == {f"listbridge:rate:account:{account}:starts"}
        before = budget_today(store, ids[0])

        seen, counters = run_together(cli, emulator_url)

        assert [s["limiter"] for s in seen] == ["RedisLimiter", "RedisLimiter"]
        assert [s["statuses"] for s in seen] == [{"200": CALLS}, {"200": CALLS}]
        assert counters["total"] == 2 * CALLS
        assert counters["too_many_requests"] == 0
        assert max(counters["by_second"].values()) <= 4, counters["by_second"]
        used = [budget_today(store, cid) for cid in ids]
        assert used[0] == used[1] == used[2], "one budget for the account"
        assert used[0][0] - before[0] == 2 * CALLS
        unknown = max(ids) + 1  # no account stored: counted on a row of its own
        assert budget_today(store, unknown) == (0, 10_000)
    finally:
        store.close()
    shown = [cli(*options, "status", "--offline", "--json") for options in ((), BRANCH)]
    figures = [json.loads(s.stdout)["budget_used_today"] for s in shown]
    assert figures == [used[0][0], used[0][0]]


def test_without_the_shared_limiter_the_same_processes_exceed_the_account_limit(
    cli: Cli, emulator_url: str, account: str
) -> None:
    two_connections_of_one_account(cli, emulator_url)
    seen, counters = run_together(cli, emulator_url)
    assert [s["limiter"] for s in seen] == ["Limiter", "Limiter"]
    assert max(counters["by_second"].values()) > 4, counters["by_second"]
    assert counters["too_many_requests"] > 0
