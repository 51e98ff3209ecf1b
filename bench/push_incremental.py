"""The calls of a push after 1% of the accounts were renamed, next to the initial push's:
the performance report's two push steps alone, against an unlimited emulator (the calls
counted are the same at Constant Contact's rate; only the wall time differs).

    cd bench && ../.venv/bin/python push_incremental.py --accounts 20000

Prints one JSON object: each step's calls by endpoint and the push's `timings`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any

import perf_minimum as least
from common import start_emulator_with
from perf_run import create_cc_list
from perf_steps import Harness


def measure(n: int, wait: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LISTBRIDGE_KEY_FILE"] = f"{tmp}/secret.key"
        process, base = start_emulator_with()
        try:
            h = Harness(base, f"sqlite:///{tmp}/perf.db")
            h.quiet("connect", "--emulator", h.base)
            fill = h.data("fill", n)
            create_cc_list(h.db_url, "All")
            steps = {"initial push": h.job("push", "--list", "All", records=n,
                                           minimum=least.initial_push(fill))}  # fmt: skip
            time.sleep(wait)  # pushes are minutes apart, not milliseconds
            changed = n // 100
            h.data("rename", n, changed)
            again = least.incremental_push(changed)
            steps["incremental push (1%)"] = h.job("push", "--list", "All", records=changed,
                                                   minimum=again)  # fmt: skip
            return {name: _short(row) for name, row in steps.items()}
        finally:
            process.terminate()
            process.wait(timeout=60)


def _short(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("api_calls", "polls", "by_endpoint", "seconds", "planning_records_per_s", "result")
    return {k: row[k] for k in keep}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--wait", type=float, default=3.0, help="seconds between the pushes")
    args = parser.parse_args()
    print(json.dumps({"accounts": args.accounts, **measure(args.accounts, args.wait)}, indent=1))


if __name__ == "__main__":
    main()
