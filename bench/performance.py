"""The performance report (issue 19): every job at each size against the emulator at
Constant Contact's rate, beside a naive one-request-per-contact baseline.

    .venv/bin/python bench/performance.py [--sizes 10000,100000,1000000]
                                          [--out docs/performance.md] [--naive 1000,10000]
    ./dev bench performance --sizes 10000

Per size, a fresh emulator (`listbridge emulator --auto-approve --rate-limit 4`, its own
process) and a fresh SQLite file; the steps are bench/perf_run.py's, the minimums
bench/perf_minimum.py's, the baseline bench/perf_naive.py's (its first number of
accounts paced against the rate-limited emulator for the time, its second against an
unlimited one for the calls). Writes the Markdown to --out and the raw figures to
bench/results/performance-<UTC time>.json (and, after each step, what is measured so far
to performance-<start>-partial.json). `--unpaced-preparation` lifts the 4 requests/s
for the preparation between the steps only (bench/unpaced_cli.py). `--rewrite RAW.json`
writes the report of a run again from its raw figures; `--merge RAW.json … --why TEXT`
writes one report from several runs, each size from the run that measured it, and says
so with each size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import perf_naive
import perf_report
import perf_run
from common import RESULTS, start_emulator_with, write_results
from perf_steps import Harness

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", flush=True)


def one_size(n: int, saved: Any, unpaced: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LISTBRIDGE_KEY_FILE"] = f"{tmp}/secret.key"
        process, base = start_emulator_with("--rate-limit", "4")
        try:
            h = Harness(base, f"sqlite:///{tmp}/perf.db")
            return perf_run.measure(h, n, log, saved, unpaced_preparation=unpaced)
        finally:
            process.terminate()
            process.wait(timeout=60)


def naive(paced: int, counted: int) -> dict[str, Any]:
    found = {}
    for label, accounts, options in (
        ("paced", paced, ("--rate-limit", "4")),
        ("counted", counted, ()),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["LISTBRIDGE_KEY_FILE"] = f"{tmp}/secret.key"
            process, base = start_emulator_with(*options)
            try:
                found[label] = perf_naive.run(base, accounts, paced=label == "paced")
            finally:
                process.terminate()
                process.wait(timeout=60)
        log(f"naive {label}: {found[label]['api_calls']} calls, {found[label]['seconds']} s")
    return found


def _shown(raw: Path) -> str:
    return str(raw.resolve().relative_to(ROOT)) if raw.resolve().is_relative_to(ROOT) else str(raw)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--naive", default="1000,10000", help="paced,counted accounts")
    parser.add_argument("--rewrite", default="", help="a raw results file: its report again")
    parser.add_argument(
        "--merge",
        nargs="+",
        default=[],
        metavar="RAW.json",
        help="one report from several runs' raw files, each size from its run",
    )
    parser.add_argument("--why", default="", help="with --merge: why the sizes ran apart")
    parser.add_argument(
        "--unpaced-preparation",
        action="store_true",
        help="the preparation between steps without the 4 requests/s (the steps keep it)",
    )
    args = parser.parse_args()
    if args.merge:
        raws = [(_shown(Path(p)), json.loads(Path(p).read_text())["results"]) for p in args.merge]
        Path(args.out).write_text(perf_report.markdown(perf_report.merged(raws, args.why)))
        log(f"written {args.out} from {len(raws)} runs")
        return
    if args.rewrite:
        raw = Path(args.rewrite)
        loaded: dict[str, Any] = json.loads(raw.read_text())["results"]
        loaded["raw"] = _shown(raw)
        loaded["command"] += f" (report rewritten by --rewrite {raw.name})"
        Path(args.out).write_text(perf_report.markdown(loaded))
        log(f"written {args.out} from {raw}")
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    began = time.perf_counter()
    results: dict[str, Any] = {
        "machine": perf_report.machine(),
        "command": " ".join([".venv/bin/python", "bench/performance.py", *sys.argv[1:]]),
        "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "extrapolate_to": [10_000, 100_000, 1_000_000],
        "sizes": [],
    }
    if args.unpaced_preparation:
        results["unpaced_preparation"] = True
    partial = RESULTS / f"performance-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-partial.json"

    def saved(size: dict[str, Any]) -> None:
        """The run so far, rewritten after each step: a run cut short keeps its rows."""
        so_far = {**results, "sizes": [*results["sizes"], size]}
        RESULTS.mkdir(exist_ok=True)
        partial.write_text(json.dumps({"meta": {"partial": True}, "results": so_far}, indent=2))

    if args.naive:  # first: minutes, where the largest size takes hours
        paced, counted = (int(x) for x in args.naive.split(","))
        results["naive"] = naive(paced, counted)
    for n in sizes:
        log(f"{n:,} accounts")
        results["sizes"].append(one_size(n, saved, args.unpaced_preparation))
        log(f"{n:,} accounts done at {time.perf_counter() - began:.0f} s")
    results["seconds"] = round(time.perf_counter() - began)
    path = write_results("performance", results)
    results["raw"] = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    Path(args.out).write_text(perf_report.markdown(results))
    log(f"written {args.out} and {path} ({results['seconds']} s; results in {RESULTS})")


if __name__ == "__main__":
    main()
