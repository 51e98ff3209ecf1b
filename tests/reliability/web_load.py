"""Signed-in people browsing the web admin over HTTP while a job runs: what the load test
(tests/reliability/test_web_load.py) and its longer form (bench/web_load.py) share.

Each person is a client of their own (their own session cookie), signs in through the
login form as a browser would, then asks for screens one after another with a pause
between them, until told to stop. Every answer is timed and kept, so the figures are a
page time per screen (median, 95th percentile, slowest) and every error there was."""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx

LISTBRIDGE = [sys.executable, "-m", "listbridge"]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    """One page asked for: the screen (its path template), status and time."""

    screen: str
    status: int
    ms: float
    error: str = ""


@contextmanager
def served(db_url: str, port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """`listbridge --db URL serve --port P` in its own process; its base URL once the
    login page answers. Stopped with Ctrl-C as an administrator stops it."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [*LISTBRIDGE, "--db", db_url, "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, **(env or {})},
            text=True,
        )
        try:
            yield _answering(f"http://127.0.0.1:{port}", process, log)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answering(base: str, process: subprocess.Popen[str], log: Any) -> str:
    deadline = time.monotonic() + 120  # a loaded machine starts it slowly
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(f"serve exited ({process.returncode}): {log.read()[-2000:]}")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("serve did not answer /login")
        time.sleep(0.2)


async def _sign_in(client: httpx.AsyncClient, name: str, password: str) -> None:
    page = await client.get("/login")
    found = _CSRF.search(page.text)
    if page.status_code != 200 or not found:
        raise AssertionError(f"{name}: the login page answered {page.status_code}")
    data = {"name": name, "password": password, "csrf_token": found.group(1), "next": "/"}
    signed = await client.post("/login", data=data)
    if signed.status_code != 303:
        raise AssertionError(f"{name}: sign-in answered {signed.status_code}")


async def _person(
    base: str,
    name: str,
    password: str,
    screens: Sequence[tuple[str, str]],
    stop: asyncio.Event,
    rng: random.Random,
    pause: tuple[float, float],
    arrive_within: float,
) -> list[Answer]:
    """Arrive within `arrive_within` seconds, sign in, then browse `screens` ((template,
    path) pairs) at random until `stop`: a screen first, each as likely, then a path."""
    paths: dict[str, list[str]] = {}
    for template, path in screens:
        paths.setdefault(template, []).append(path)
    answers: list[Answer] = []
    await asyncio.sleep(rng.uniform(0, arrive_within))
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await _sign_in(client, name, password)
        while not stop.is_set():
            template = rng.choice(list(paths))
            path = rng.choice(paths[template])
            began = time.perf_counter()
            try:
                response = await client.get(path)
                status, error = response.status_code, ""
                if status != 200:
                    error = f"{path}: {status}"
            except httpx.HTTPError as failed:
                status, error = 0, f"{path}: {type(failed).__name__} {failed}"
            answers.append(Answer(template, status, (time.perf_counter() - began) * 1000, error))
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), rng.uniform(*pause))
    return answers


async def _browse(
    base: str,
    people: Sequence[tuple[str, str]],
    screens: Sequence[tuple[str, str]],
    running: Callable[[], bool],
    seed: int,
    pause: tuple[float, float],
    arrive_within: float,
) -> list[Answer]:
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            _person(
                base,
                name,
                pw,
                screens,
                stop,
                random.Random(seed + i),
                pause,
                arrive_within,
            )
        )
        for i, (name, pw) in enumerate(people)
    ]
    while running() and not any(t.done() for t in tasks):
        await asyncio.sleep(0.2)
    stop.set()
    answers: list[Answer] = []
    for finished in await asyncio.gather(*tasks):
        answers += finished
    return answers


def browse_while(
    base: str,
    people: Sequence[tuple[str, str]],
    screens: Sequence[tuple[str, str]],
    running: Callable[[], bool],
    seed: int = 0,
    pause: tuple[float, float] = (0.2, 1.0),
    arrive_within: float = 0.0,
) -> list[Answer]:
    """Every person in `people` ((name, password) pairs) browses the web admin at `base`
    while `running()` holds, each arriving at a random moment within `arrive_within`
    seconds; every answer they got. A failed sign-in raises at once."""
    return asyncio.run(_browse(base, people, screens, running, seed, pause, arrive_within))


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.95 for the 95th) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(answers: Sequence[Answer]) -> dict[str, Any]:
    """Page times per screen and overall (ms), and the errors."""

    def figures(times: list[float]) -> dict[str, Any]:
        return {
            "pages": len(times),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
        }

    by_screen: dict[str, list[float]] = {}
    for answer in answers:
        by_screen.setdefault(answer.screen, []).append(answer.ms)
    return {
        "overall": figures([a.ms for a in answers]) if answers else {"pages": 0},
        "screens": {screen: figures(times) for screen, times in sorted(by_screen.items())},
        "errors": [a.error for a in answers if a.error],
    }


def busiest_second(counters: dict[str, Any]) -> int:
    """The most requests the emulator answered in one second of its clock (429s too)."""
    return max(map(int, counters.get("by_second", {}).values()), default=0)
