"""Peak RSS per job as the accounts grow (issue 19: ≤ 1.5 GB at 1,000,000 for every job).

    nice -n 15 .venv/bin/python bench/job_memory.py [--sizes 50000,200000]

Per size, a fresh SQLite file and a fresh emulator WITHOUT a rate limit (memory, not
time, is measured here), the data of the performance report (bench/perf_data.py): the
initial push, the import, the lists first fill and settle of a list bound with `--where`
(crm_to_cc), the first unsubscribes run and the stats pull of two campaigns, each job
in its own process, its peak RSS from its own rusage (wait4). Then the slope per job
(MB per 100,000 accounts between the smallest and the largest size) and the figure read
linearly at 1,000,000. Writes bench/results/job_memory-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import perf_run
from common import start_emulator_with, write_results
from perf_steps import Harness

TARGET = 1_000_000
#: `--lists-only`: stop after the lists settle (a quick before/after of the list jobs)
LISTS_ONLY = "--lists-only" in sys.argv


def log(message: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", flush=True)


def measure(h: Harness, n: int) -> dict[str, int]:
    """The jobs of issue 19's memory target, in the report's order and on its data; the
    report's other steps (incremental push, 1% changes) are left out: they change little."""
    h.quiet("connect", "--emulator", h.base)
    fill = h.data("fill", n)
    perf_run.create_cc_list(h.db_url, "All")
    none = {"calls": 0, "polls": 0}
    rows = {"initial push": h.job("push", "--list", "All", records=n, minimum=none)}
    eligible = fill["eligible_contacts"]
    rows["import (CC → CRM)"] = h.job("import", records=eligible, minimum=none)
    h.quiet("lists", "create", perf_run.SEGMENT)
    h.quiet("lists", "bind", perf_run.SEGMENT, "--where", perf_run.RULE)
    sync = ("lists", "sync", perf_run.SEGMENT, "--direction", "crm_to_cc")
    rows["lists first fill"] = h.job(*sync, "--confirm", records=n, minimum=none)
    rows["lists settle (no change)"] = h.job(*sync, records=n, minimum=none)
    if LISTS_ONLY:
        return {name: row["peak_rss_mb"] for name, row in rows.items()}
    rows["unsubscribes first run"] = h.job("unsubscribes", "sync", "--confirm", records=n,
                                           minimum=none)  # fmt: skip
    perf_run.send_campaigns(h, perf_run.cc_list_ids(h.db_url)[perf_run.SEGMENT][0])
    rows["stats pull"] = h.job("stats", "pull", records=n, minimum=none)
    for name, row in rows.items():
        log(f"  {n:,} {name}: {row['peak_rss_mb']} MB, {row['seconds']} s, "
            f"{row['api_calls']} calls")  # fmt: skip
    return {name: row["peak_rss_mb"] for name, row in rows.items()}


def one_size(n: int) -> dict[str, int]:
    """Peak RSS in MB of every measured job at n accounts."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LISTBRIDGE_KEY_FILE"] = f"{tmp}/secret.key"
        process, base = start_emulator_with()
        try:
            return measure(Harness(base, f"sqlite:///{tmp}/perf.db"), n)
        finally:
            process.terminate()
            process.wait(timeout=60)


def projected(by_size: dict[int, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Per job: MB per 100,000 accounts and the linear reading at TARGET."""
    low, high = min(by_size), max(by_size)
    out = {}
    for job, mb in by_size[high].items():
        slope = (mb - by_size[low][job]) / (high - low) if high > low else 0.0
        out[job] = {
            "mb_per_100k": round(slope * 100_000, 1),
            "at_1m_mb": round(mb + slope * (TARGET - high)),
        }
    return out


def combined(paths: str) -> dict[int, dict[str, int]]:
    """The sizes of several raw files (runs of one size each, side by side)."""
    found: dict[int, dict[str, int]] = {}
    for path in paths.split(","):
        raw = json.loads(Path(path).read_text())["results"]["peak_rss_mb"]
        found |= {int(n): figures for n, figures in raw.items()}
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--label", default="", help="what code was measured (a commit)")
    parser.add_argument("--lists-only", action="store_true", help="stop after the lists settle")
    parser.add_argument("--project", default="", help="raw files (comma-separated): slopes only")
    args = parser.parse_args()
    by_size: dict[int, dict[str, int]] = {}
    if args.project:
        by_size = combined(args.project)
    for n in [] if args.project else map(int, args.sizes.split(",")):
        log(f"{n:,} accounts")
        by_size[n] = one_size(n)
    slopes = projected(by_size)
    results: dict[str, Any] = {"peak_rss_mb": by_size, "projection": slopes}
    print(f"{'job':32}" + "".join(f"{n:>12,}" for n in by_size) + f"{'MB/100k':>10}{'@1M':>8}")
    for job, figures in slopes.items():
        sizes = "".join(f"{by_size[n].get(job, 0):>12}" for n in by_size)
        print(f"{job:32}{sizes}{figures['mb_per_100k']:>10}{figures['at_1m_mb']:>8}")
    sizes = ",".join(map(str, by_size))
    path = write_results("job_memory", results, sizes=sizes, label=args.label,
                         note="emulator without a rate limit; peak RSS from wait4",
                         combined=args.project)  # fmt: skip
    print(f"written to {path}")


if __name__ == "__main__":
    main()
