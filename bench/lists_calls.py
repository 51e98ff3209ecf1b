"""The list sync's API calls at one size (issue 19: incremental work costs what changed).

    .venv/bin/python bench/lists_calls.py [--sizes 20000] [--rate-limit 0]

The performance report's CRM and steps up to the lists (bench/perf_run.py: the initial push
to All, 1% renamed, an import, the segment bound to `Member Level = Gold`), against an
emulator in its own process (unlimited unless --rate-limit), then each list sync measured
as the report measures a step (bench/perf_steps.py): the first fill, a run with nothing
changed (settle), a run after 1% of the members changed (half leave, half join), one more
run with nothing changed, and a run after 10% changed (its removals, ≤ 500 ids a request,
several requests: waited for together). Writes bench/results/lists_calls-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import UTC, datetime
from typing import Any

import perf_minimum as least
import perf_run
from common import start_emulator_with, write_results
from perf_steps import Harness

#: the steps after a change: 1 in how many members moved (half leave, half join)
CHANGED = {"lists sync (1%)": 100, "lists sync (10%)": 10}
KEYS = ("api_calls", "polls", "by_endpoint", "seconds", "planning_records_per_s", "errors")


def log(message: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", flush=True)


def measure(h: Harness, n: int) -> dict[str, Any]:
    h.quiet("connect", "--emulator", h.base)
    fill = h.data("fill", n)
    perf_run.create_cc_list(h.db_url, "All")
    h.quiet("push", "--list", "All")
    h.data("rename", n, n // 100)
    h.quiet("push", "--list", "All")
    h.quiet("import")
    h.quiet("lists", "create", perf_run.SEGMENT)
    h.quiet("lists", "bind", perf_run.SEGMENT, "--where", perf_run.RULE)
    sync = ("lists", "sync", perf_run.SEGMENT, "--direction", "crm_to_cc")
    steps: dict[str, Any] = {"accounts": n, "eligible": fill["eligible_contacts"]}
    for name in ("lists first fill", "lists settle (no change)", "lists sync (1%)", "again",
                 "lists sync (10%)"):  # fmt: skip
        records, minimum = 0, least.lists_sync(0, 0)
        if name in CHANGED:
            members = perf_run.cc_list_ids(h.db_url)[perf_run.SEGMENT][1]
            moved = h.data("move_levels", n, max(2, members // CHANGED[name]))
            records = moved["added"] + moved["removed"]
            minimum = least.lists_sync(moved["added"], moved["removed"])
        extra = ("--confirm",) if name == "lists first fill" else ()
        row = h.job(*sync, *extra, records=records, minimum=minimum)
        steps[name] = {k: row[k] for k in KEYS} | {"minimum": minimum["calls"]}
        log(f"  {name}: {row['api_calls']} calls ({row['polls']} polls) {row['by_endpoint']}")
    return steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--rate-limit", default="0", help="requests/s; 0: unlimited")
    args = parser.parse_args()
    options = ("--rate-limit", args.rate_limit) if args.rate_limit != "0" else ()
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        log(f"{n:,} accounts")
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["LISTBRIDGE_KEY_FILE"] = f"{tmp}/secret.key"
            process, base = start_emulator_with(*options)
            try:
                results.append(measure(Harness(base, f"sqlite:///{tmp}/perf.db"), n))
            finally:
                process.terminate()
                process.wait(timeout=60)
    log(f"written {write_results('lists_calls', {'sizes': results}, rate_limit=args.rate_limit)}")


if __name__ == "__main__":
    main()
