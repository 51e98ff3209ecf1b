"""The realistic-data property tests, longer: more seeds, bigger samples; not part of CI.

    .venv/bin/python bench/realistic_soak.py [--seeds 1-20] [--people 150]
        [--organizations 20] [--newcomers 30] [--backends sqlite,postgresql] [-n 2]

Runs tests/sync/test_realistic_data.py (import, push, lists sync, unsubscribes sync and
sync full against the emulator, every property of issue 12) with the seeds and sizes
given, through the same fixtures as CI: the tests read LISTBRIDGE_SAMPLE_* from the
environment. A failing seed is a sample to reproduce with
`LISTBRIDGE_SAMPLE_SEEDS=N … pytest tests/sync/test_realistic_data.py`. Writes
bench/results/realistic_soak-<UTC time>.json with the outcome and the wall time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from common import write_results

ROOT = Path(__file__).resolve().parents[1]
TESTS = "tests/sync/test_realistic_data.py"


def seeds(text: str) -> list[int]:
    """`1-20` or `3,11,42` (or both: `1-5,42`)."""
    found: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        found += range(int(low), int(high or low) + 1)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seeds, default=seeds("1-20"))
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--organizations", type=int, default=20)
    parser.add_argument("--newcomers", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("-n", dest="workers", default="2")
    args = parser.parse_args()
    env = {
        **os.environ,
        "LISTBRIDGE_SAMPLE_SEEDS": ",".join(map(str, args.seeds)),
        "LISTBRIDGE_SAMPLE_PEOPLE": str(args.people),
        "LISTBRIDGE_SAMPLE_ORGANIZATIONS": str(args.organizations),
        "LISTBRIDGE_SAMPLE_NEWCOMERS": str(args.newcomers),
        "LISTBRIDGE_TEST_BACKENDS": args.backends,
    }
    command = [sys.executable, "-m", "pytest", TESTS, "-q", "-rfEx", "-p", "no:cacheprovider"]
    began = time.perf_counter()
    done = subprocess.run([*command, "-n", args.workers], cwd=ROOT, env=env, check=False)
    seconds = round(time.perf_counter() - began, 1)
    path = write_results(
        "realistic_soak",
        {"exit_code": done.returncode, "wall_seconds": seconds},
        seeds=args.seeds,
        people=args.people,
        organizations=args.organizations,
        newcomers=args.newcomers,
        backends=args.backends,
    )
    print(f"exit {done.returncode} in {seconds} s; {path}")
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
