"""Render time of every web admin screen with a large database (issue 17); not a test.

    ./dev bench web_render [--accounts 100000] [--runs 1000] [--repeat 20]

A SQLite store connected to an emulator in its own process, the builtin CRM loaded with
`accounts` generated accounts (`crm load`, as bench/crm_load.py makes them), `runs` runs
of every kind with counts and a few error rows each, and an administrator. Each screen
is asked for `repeat` times in-process through the ASGI app (Starlette's test client:
no network, so the figure is the server's own work); the median and the slowest are
reported, beside a baseline in the same run: the login page, which reads nothing.
Writes bench/results/web_render-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from common import start_emulator, write_results
from crm_load import make_csv
from listbridge.cli.schedules import default_registry
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.store.runs import add_run_errors, finish_run, start_run
from listbridge.store.users import add_user

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from listbridge.web.app import create_app

SCREENS = ("/login", "/", "/setup", "/getting-started", "/settings", "/sync", "/sync?page=20")
KINDS = ("import", "push", "unsubscribes", "lists", "full", "stats")
PASSWORD = "bench password, long enough"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def listbridge(db: str, *args: str) -> None:
    command = [sys.executable, "-m", "listbridge", "--db", db, *args]
    subprocess.run(command, check=True, capture_output=True, text=True)


def runs(db: str, count: int) -> None:
    store = open_store(db)
    cid = connection_id(store, "default")
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        run_id = start_run(store, cid, kind, f"scheduler bench pid {n}")
        errors = [ErrorRow(f"bench reason {k}", f"P{n:05d}", email=f"p{n}@example.org")
                  for k in range(n % 4)]  # fmt: skip
        add_run_errors(store, run_id, errors)
        counts = {"created": n % 7, "matched": n % 11, "not_imported": n % 4}
        finish_run(store, run_id, RunStatus.SUCCEEDED, counts, "")
    store.close()


def timed(client: TestClient, path: str, repeat: int) -> dict[str, float]:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - began)
        assert answer.status_code == 200, (path, answer.status_code)
    return {
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "max_ms": round(1000 * max(seconds), 1),
    }


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    emulator, base = start_emulator()
    try:
        db = f"sqlite:///{work / 'web.db'}"
        listbridge(db, "connect", "--emulator", base)
        accounts = work / "accounts.csv"
        make_csv(accounts, args.accounts)
        began = time.perf_counter()
        listbridge(db, "crm", "load", str(accounts))
        load_seconds = time.perf_counter() - began
        runs(db, args.runs)
        store = open_store(db)
        add_user(store, "admin", PASSWORD, admin=True)
        client = TestClient(create_app(store, schedules=default_registry()))
        page = client.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        signed = client.post(
            "/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token[1]}
        )
        assert signed.status_code == 200, signed.status_code
        screens = {path: timed(client, path, args.repeat) for path in SCREENS}
        store.close()
        return {"load_seconds": round(load_seconds, 1), "screens": screens}
    finally:
        emulator.terminate()
        emulator.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args, Path(tmp))
    base = results["screens"]["/login"]["median_ms"]
    for path, figures in results["screens"].items():
        ratio = figures["median_ms"] / base if base else 0.0
        print(f"{path:<18} median {figures['median_ms']:>7} ms  slowest {figures['max_ms']:>7} ms"
              f"  ×{ratio:.1f} the login page")  # fmt: skip
    out = write_results("web_render", results, accounts=args.accounts, runs=args.runs)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
