"""The bad-input fuzz targets, longer: more examples, a random seed; not part of CI.

    .venv/bin/python bench/fuzz_soak.py [--scale 20] [--seed N] [--backends sqlite,postgresql]
        [-k EXPR]

Runs tests/reliability/test_fuzz_*.py (CRM files for `crm load`, settings values, list
filters, web forms, spreadsheet exports, odd Constant Contact contacts) with each target's
CI example count times `--scale` (LISTBRIDGE_FUZZ_SCALE) and Hypothesis's seed `--seed`
(random unless given, and printed, so that a failure can be run again with the same one).
Every example appends its target and outcome (accepted / refused) to a tally file; the
soak prints the examples run per target, the failures, and writes
bench/results/fuzz_soak-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import write_results

ROOT = Path(__file__).resolve().parents[1]
TESTS = sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "tests/reliability").glob("test_fuzz_*.py")
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0, help="examples: CI's times this")
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(2**32))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("-k", default="", help="pytest -k: only the targets matching")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        tally = Path(work) / "tally.tsv"
        tally.touch()
        began = time.monotonic()
        code, failed = _run(args, tally)
        seconds = round(time.monotonic() - began, 1)
        counts = Counter(tuple(line.split("\t", 1)) for line in tally.read_text().splitlines())
    by_target = _by_target(counts)
    _print(args, by_target, failed, seconds)
    write_results(
        "fuzz_soak",
        {"seed": args.seed, "scale": args.scale, "backends": args.backends, "seconds": seconds,
         "examples": by_target, "failed_tests": failed, "exit_code": code},
    )  # fmt: skip
    sys.exit(code)


def _run(args: argparse.Namespace, tally: Path) -> tuple[int, list[str]]:
    env = dict(
        os.environ,
        LISTBRIDGE_FUZZ_SCALE=str(args.scale),
        LISTBRIDGE_FUZZ_TALLY=str(tally),
        LISTBRIDGE_TEST_BACKENDS=args.backends,
    )
    command = [
        sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider", "-rf",
        f"--hypothesis-seed={args.seed}", "--hypothesis-show-statistics",
        "-W", "ignore::hypothesis.errors.HypothesisWarning", *(["-k", args.k] if args.k else []),
        *TESTS,
    ]  # fmt: skip
    print(f"seed {args.seed}, scale {args.scale}: {' '.join(command[2:])}", flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    sys.stdout.write(done.stdout[-20_000:])
    sys.stderr.write(done.stderr[-5_000:])
    failed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAILED ")]
    return done.returncode, failed


def _by_target(counts: Counter[tuple[str, ...]]) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for (target, outcome), n in sorted(counts.items()):
        found.setdefault(target, {})[outcome] = n
    return found


def _print(
    args: argparse.Namespace, by_target: dict[str, dict[str, int]], failed: list[str], s: float
) -> None:
    total = sum(sum(v.values()) for v in by_target.values())
    print(f"\nfuzz soak: seed {args.seed}, scale {args.scale}, {args.backends}, {s:,} s")
    for target, outcomes in by_target.items():
        shown = ", ".join(f"{n:,} {outcome}" for outcome, n in sorted(outcomes.items()))
        print(f"  {target:<32} {sum(outcomes.values()):>6,} examples ({shown})")
    print(f"  {'all targets':<32} {total:>6,} examples")
    print(f"failures: {len(failed)}" + "".join(f"\n  {name}" for name in failed))
    if failed:
        print(f"again with: .venv/bin/python bench/fuzz_soak.py --seed {args.seed} ...")


if __name__ == "__main__":
    main()
