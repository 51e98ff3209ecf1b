"""Issue 20: under load the emulator counted a fifth request in one of its seconds.

A load test (a push and the web screens, two processes sharing the account's rate through
Redis) met 30 answers 429 in 812 requests. The limiter counted a request at its start and
trusted the server to count it within 50 ms; a request sent late by a busy client, or read
late by a busy server, then shared a server second with the four after it. Now a request
holds its turn until its answer and a second more (``core.ratelimit.CallWindow``).

Here real processes send through the client (``ApiSession``) to an emulator process that
enforces 4 a second, one request in ten leaving 300 ms after its turn came (a machine under
load), as the load test's did.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.constant_contact.limiter_support import REDIS_URL
from tests.support.emulator_process import emulator_process

from listbridge.emulator.testing import obtain_token

SECONDS = 10.0
LATE = 0.3  # how late one request in ten leaves after its turn came

CALLER = """
import json, random, sys, threading, time
from datetime import UTC, datetime, timedelta
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.ports import MemoryVault
from listbridge.constant_contact.redis_limiter import RedisLimiter, redis_client
from listbridge.core.tokens import TokenSet

url, token, redis_url, prefix, seconds, threads, late = sys.argv[1:8]
if redis_url:
    limiter = RedisLimiter(redis_client(redis_url), "account:late", 4.0, prefix=prefix)
else:
    limiter = Limiter(4.0)
now = datetime.now(UTC)
config = ClientConfig(client_id="listbridge-tests", api_base=f"{url}/v3",
                      auth_base=f"{url}/oauth2/default/v1")
vault = MemoryVault(TokenSet(token, None, now, now + timedelta(hours=1)))
dice = random.Random()

def leave_late(_request: object) -> None:
    if dice.random() < 0.1:
        time.sleep(float(late))

session = ApiSession(config, vault, limiter=limiter, event_hooks={"request": [leave_late]})
print("ready", flush=True)
sys.stdin.readline()
until = time.monotonic() + float(seconds)

def call() -> None:
    while time.monotonic() < until:
        session.send("GET", "/account/summary")

workers = [threading.Thread(target=call) for _ in range(int(threads))]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
session.close()
print(json.dumps({"statuses": dict(session.stats.statuses)}))
"""


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """`listbridge emulator --auto-approve --rate-limit 4` in a process of its own."""
    with emulator_process("--rate-limit", "4") as url:
        yield url


def hammer(url: str, redis_url: str, prefix: str, processes: int, threads: int) -> Any:
    """``processes`` callers of ``threads`` threads each for SECONDS; what they saw and
    the emulator's counters."""
    token = obtain_token(url)["access_token"]
    args = [url, token, redis_url, prefix, str(SECONDS), str(threads), str(LATE)]
    pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    callers = [
        subprocess.Popen([sys.executable, "-c", CALLER, *args], **pipes) for _ in range(processes)
    ]
    for caller in callers:
        assert caller.stdout is not None
        assert caller.stdout.readline() == "ready\n", caller.communicate()
    httpx.post(f"{url}/__emulator__/counters/reset").raise_for_status()
    for caller in callers:
        assert caller.stdin is not None
        caller.stdin.write("go\n")
        caller.stdin.flush()
    seen = []
    for caller in callers:
        out, _ = caller.communicate(timeout=SECONDS + 60)
        assert caller.returncode == 0
        seen.append(json.loads(out)["statuses"])
    return seen, httpx.get(f"{url}/__emulator__/counters").json()


def assert_four_a_second_and_no_429(seen: list[dict[str, int]], counters: Any) -> None:
    by_second = {int(second): n for second, n in counters["by_second"].items()}
    assert counters["too_many_requests"] == 0, by_second
    assert all("429" not in statuses for statuses in seen), seen
    assert max(by_second.values()) <= 4, by_second
    # The seconds wholly inside the run: the first and last are cut by its start and end.
    inner = range(min(by_second) + 1, max(by_second))
    rate = sum(by_second.get(second, 0) for second in inner) / len(inner)
    # the limit is kept, not starved: a turn held 1.01 s after each answer allows ~3.9/s
    # on an idle machine; a loaded CI machine's slower answers (3.45/s at load 8) must not
    # fail the test, a limiter that serialises the processes (< 2/s) must
    assert rate >= 3.0, (rate, by_second)


def test_three_processes_sharing_redis_never_give_the_server_a_fifth_call_in_a_second(
    emulator_url: str, redis_prefix: str
) -> None:
    seen, counters = hammer(emulator_url, REDIS_URL, redis_prefix, processes=3, threads=2)
    assert all(statuses.get("200") for statuses in seen), f"every process had turns: {seen}"
    assert_four_a_second_and_no_429(seen, counters)


def test_threads_of_one_process_never_give_the_server_a_fifth_call_in_a_second(
    emulator_url: str,
) -> None:
    seen, counters = hammer(emulator_url, "", "", processes=1, threads=6)
    assert_four_a_second_and_no_429(seen, counters)
