"""The crash-resume tests, longer: every job killed at more points; not part of CI.

    .venv/bin/python bench/crash_soak.py [--points 20] [--jobs push,import,lists,unsubscribes,stats]
        [--crms builtin,sql-mariadb] [--store sqlite|postgresql]

Runs tests/reliability/test_crash_resume_push.py and test_crash_resume_jobs.py through the
same fixtures as CI, with `--points` kill points for every job on every CRM instead of
CI's few (LISTBRIDGE_CRASH_POINTS): each a fresh world, the job killed with SIGKILL at a
point spread over an unkilled run (after an answer of Constant Contact, after a commit of
the store or of a SQL CRM), run again, and what both sides hold compared with the unkilled
run's end. Prints a table (kill points tried, killed, resumed, mismatches) and writes
bench/results/crash_soak-<UTC time>.json with it, every mismatch and the wall time.
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

from common import write_results

ROOT = Path(__file__).resolve().parents[1]
JOBS = ("push", "import", "lists", "unsubscribes", "stats")
CRMS = ("builtin", "sql-mariadb")


def names(text: str, known: tuple[str, ...]) -> list[str]:
    chosen = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}: choose among {', '.join(known)}")
    return chosen


def selection(jobs: list[str], crms: list[str]) -> tuple[list[str], str]:
    """The test files and the `-k` expression of these jobs on these CRMs."""
    files = []
    if "push" in jobs:
        files.append("tests/reliability/test_crash_resume_push.py")
    others = [j for j in jobs if j != "push"]
    if others:
        files.append("tests/reliability/test_crash_resume_jobs.py")
    by_job = " or ".join(["test_push_killed", *(f"[{j}-" for j in others)])
    by_crm = " or ".join(f"{c}]" for c in crms)
    return files, f"({by_job}) and ({by_crm})"


def table(tallies: list[dict[str, object]]) -> str:
    rows = [f"{'job':<14}{'CRM':<14}{'tried':>7}{'killed':>8}{'resumed':>9}{'mismatches':>12}"]
    for t in sorted(tallies, key=lambda t: (JOBS.index(str(t["job"])), str(t["crm"]))):
        mismatches = t["mismatches"]
        assert isinstance(mismatches, list)
        rows.append(f"{t['job']!s:<14}{t['crm']!s:<14}{t['tried']!s:>7}{t['killed']!s:>8}"
                    f"{t['resumed']!s:>9}{len(mismatches):>12}")  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20, help="kill points per job and CRM")
    parser.add_argument("--jobs", type=lambda t: names(t, JOBS), default=list(JOBS))
    parser.add_argument("--crms", type=lambda t: names(t, CRMS), default=list(CRMS))
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the state store of every round")  # fmt: skip
    args = parser.parse_args()
    files, expression = selection(args.jobs, args.crms)
    with tempfile.TemporaryDirectory() as scratch:
        tally_file = Path(scratch) / "tallies.jsonl"
        env = {**os.environ, "LISTBRIDGE_CRASH_POINTS": str(args.points),
               "LISTBRIDGE_CRASH_TALLY": str(tally_file),
               "LISTBRIDGE_CRASH_STORE": args.store}  # fmt: skip
        # a base directory of its own: other pytest sessions of the user rotate the shared one
        command = [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider",
                   f"--basetemp={scratch}/pytest", *files, "-k", expression]  # fmt: skip
        began = time.monotonic()
        ended = subprocess.run(command, cwd=ROOT, env=env, check=False)
        seconds = time.monotonic() - began
        lines = tally_file.read_text(encoding="utf-8").splitlines() if tally_file.exists() else []
    tallies = [json.loads(line) for line in lines]
    print(table(tallies))
    for t in tallies:
        for mismatch in t["mismatches"]:
            print(f"  {mismatch}")
    print(f"pytest exit {ended.returncode}, {seconds:.0f} s")
    write_results("crash_soak", {"points": args.points, "jobs": args.jobs, "crms": args.crms,
                                 "store": args.store,
                                 "tallies": tallies, "pytest_exit": ended.returncode,
                                 "seconds": round(seconds, 1)})  # fmt: skip
    sys.exit(ended.returncode)


if __name__ == "__main__":
    main()
