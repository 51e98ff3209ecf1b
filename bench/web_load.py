"""The web admin under load (issue 20): signed-in people browsing every screen over HTTP
(`listbridge serve`) while a push of N accounts runs in its own process against the
emulator at Constant Contact's 4 requests/s.

    python bench/web_load.py [--accounts 100000] [--people 50] [--idle-seconds 60]
        [--pause 0.5,3] [--db URL]

Two phases on the same store and server, so the ratio is visible: the same people
browsing with no job running (the baseline, `--idle-seconds`), then while the push runs
(until it ends). Reported: page times per screen and overall (median, 95th percentile,
slowest) in each phase and their ratio, every error, the push's own figures, and the
emulator's busiest second and 429s, which show whether the push and the screens together
kept the account's rate limit. The CRM is bench/perf_data.py's (households, case variants,
opted-out people, unicode names). Writes bench/results/web_load-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import perf_data
from common import free_port, start_emulator_with, tests_module, write_results
from listbridge.core.permissions import Permission
from listbridge.store.db import open_store
from listbridge.store.users import add_group, add_user, grant

DATA = str(Path(__file__).with_name("perf_data.py"))
PASSWORD = "a long passphrase for the load bench"
LIST = "Newsletter"
RATE = 4
#: the push and the web admin are two processes: they share the account's limit through
#: Redis, as a multi-process install does (docs/scale-out.md); `--rate-limit-url ''`: each
#: process keeps 4/s of its own, and the 429s Constant Contact answers are counted
SHARED_LIMIT_ENV = "LISTBRIDGE_RATE_LIMIT_URL"
load = tests_module("tests.reliability.web_load")


def listbridge(db_url: str, *args: str) -> str:
    done = subprocess.run(
        [*listbridge_cli(db_url), *args],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"listbridge {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def prepare(db_url: str, emulator: str, accounts: int, people: int) -> list[tuple[str, str]]:
    """A connected store holding the CRM, the list to push to and the people who browse."""
    listbridge(db_url, "connect", "--emulator", emulator)
    listbridge(db_url, "settings", "set", "sync.enabled=false")  # no scheduled job meanwhile
    listbridge(db_url, "lists", "create", LIST)
    began = time.perf_counter()
    subprocess.run([sys.executable, DATA, "fill", db_url, str(accounts)], check=True)
    print(f"filled {accounts:,} accounts in {time.perf_counter() - began:.1f} s", flush=True)
    names = ["admin"] + [f"staff{n:02d}" for n in range(1, people)]
    store = open_store(db_url)
    try:
        add_group(store, "staff")
        grant(store, "staff", Permission.VIEW)
        add_user(store, names[0], PASSWORD, admin=True)
        for name in names[1:]:
            add_user(store, name, PASSWORD, groups=["staff"])
    finally:
        store.close()
    return [(name, PASSWORD) for name in names]


def screens(accounts: int) -> list[tuple[str, str]]:
    ids = [perf_data.account_id(i) for i in range(1, accounts, max(1, accounts // 25))]
    return [
        ("/", "/"),
        ("/settings", "/settings"),
        ("/sync", "/sync"),
        ("/lists", "/lists"),
        ("/lists/{name}", f"/lists/{LIST}"),
        ("/accounts", "/accounts"),
        ("/accounts?q=", "/accounts?q=garcia"),
        *(("/accounts/{id}", f"/accounts/{i}") for i in ids),
        ("/stats", "/stats"),
        ("/audit", "/audit"),
        ("/connections", "/connections"),
    ]


def run(args: argparse.Namespace, db_url: str) -> dict[str, Any]:
    emulator_process, emulator = start_emulator_with("--rate-limit", str(RATE))
    try:
        people = prepare(db_url, emulator, args.accounts, args.people)
        pages = screens(args.accounts)
        pause = tuple(map(float, args.pause.split(",")))
        with load.served(db_url, free_port(), env=dict(os.environ)) as web:
            until = time.monotonic() + args.idle_seconds
            # people arrive over a few seconds, as at an office's start of day
            arrive = len(people) * 0.2
            idle = load.browse_while(
                web, people, pages, lambda: time.monotonic() < until, 1, pause, arrive
            )
            print(f"baseline: {len(idle)} pages in {args.idle_seconds} s", flush=True)
            httpx.post(f"{emulator}/__emulator__/counters/reset").raise_for_status()
            began = time.perf_counter()
            with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
                push = subprocess.Popen(
                    [*listbridge_cli(db_url), "push", "--list", LIST, "--json"],
                    stdout=out,
                    stderr=err,
                    text=True,
                    env=os.environ.copy(),
                )
                busy = load.browse_while(
                    web, people, pages, lambda: push.poll() is None, 2, pause, arrive
                )
                push.wait()
                seconds = time.perf_counter() - began
                out.seek(0)
                err.seek(0)
                if push.returncode != 0:
                    raise SystemExit(f"the push failed ({push.returncode}): {err.read()[-2000:]}")
                pushed = json.loads(out.read())
        counters = httpx.get(f"{emulator}/__emulator__/counters").json()
    finally:
        emulator_process.terminate()
        emulator_process.wait()
    return {
        "idle": load.summary(idle),
        "during_push": load.summary(busy),
        "push": {
            "seconds": round(seconds, 1),
            **{k: v for k, v in pushed.items() if not isinstance(v, list | dict)},
            "error_rows": len(pushed.get("errors") or []),  # the not-pushed, with reasons
        },
        "emulator": {
            "requests": counters["total"],
            "busiest_second": load.busiest_second(counters),
            "too_many_requests": counters.get("too_many_requests", 0),
            "rate_limit": RATE,
        },
    }


def listbridge_cli(db_url: str) -> list[str]:
    return [sys.executable, "-m", "listbridge", "--db", db_url]


def table(results: dict[str, Any]) -> str:
    idle, busy = results["idle"], results["during_push"]
    lines = [
        "| screen | pages (idle / push) | median ms | p95 ms idle | p95 ms during push | ratio |",
        "|---|---|---|---|---|---|",
    ]
    rows = [("all screens", idle["overall"], busy["overall"])]
    rows += [(s, idle["screens"].get(s, {}), f) for s, f in busy["screens"].items()]
    for name, before, during in rows:
        ratio = during["p95_ms"] / before["p95_ms"] if before.get("p95_ms") else None
        lines.append(
            f"| `{name}` | {before.get('pages', 0)} / {during['pages']} | "
            f"{before.get('median_ms', '–')} / {during['median_ms']} | "
            f"{before.get('p95_ms', '–')} | {during['p95_ms']} | "
            f"{f'{ratio:.2f}×' if ratio else '–'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--pause", default="0.5,3", help="seconds between a person's pages")
    parser.add_argument("--db", help="the state store (default: a new SQLite file)")
    parser.add_argument("--rate-limit-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    os.environ[SHARED_LIMIT_ENV] = args.rate_limit_url
    with tempfile.TemporaryDirectory() as scratch:
        db_url = args.db or f"sqlite:///{Path(scratch) / 'web_load.db'}"
        results = run(args, db_url)
    print(table(results))
    print(json.dumps({k: results[k] for k in ("push", "emulator")}, indent=1))
    errors = results["idle"]["errors"] + results["during_push"]["errors"]
    print(f"errors: {len(errors)}", *errors[:20], sep="\n  ")
    path = write_results(
        "web_load",
        results,
        accounts=args.accounts,
        people=args.people,
        pause=args.pause,
        db="sqlite" if not args.db else args.db.split(":", 1)[0],
        rate_limit_url=args.rate_limit_url,
        load_average_before=os.getloadavg(),
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
