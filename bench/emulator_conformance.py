"""The long conformance run of the emulator (issue 22): tests/emulator/test_conformance.py
with many more requests per operation; not part of the test suite.

    .venv/bin/python bench/emulator_conformance.py [--examples 200] [--seed 1] [--only TEXT]

Every operation of the spec the emulator serves gets the coverage phase (up to
``3 x --examples`` cases), ``--examples`` free and ``--examples`` aimed requests the spec
allows and ``--examples`` it forbids, all checked by every schemathesis check and by
tests/support/conformance.py; then each create -> read -> delete -> read scenario. Without
``--seed`` the run is derandomized (the CI test's requests, more of them); a seed draws
other requests. ``--only`` keeps the operations whose label contains the text. Failures a
row of docs/emulator-deviations.md explains are counted by row; the others are printed.
Writes bench/results/emulator_conformance-<UTC time>.json; exits 1 if anything was found or
an emulated operation (the landing-page reports aside) got no 2xx answer.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from common import tests_module, write_results
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.testing import running_emulator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    os.environ.setdefault("LISTBRIDGE_CC_SPEC", "")  # ccspec finds the shared copy itself
    if not os.environ["LISTBRIDGE_CC_SPEC"]:
        del os.environ["LISTBRIDGE_CC_SPEC"]
    run = tests_module("tests.support.conformance_run")
    live_module = tests_module("tests.support.conformance_live")
    lifecycle = tests_module("tests.support.conformance_lifecycle")
    n = args.examples
    budget = run.Budget(coverage=3 * n, free=n, aimed=n, negative=n)
    small = run.Budget(coverage=n, free=n // 4, aimed=0, negative=n // 4)
    operations = [op for op in run.covered_operations() if args.only in op.label]
    results: dict[str, Any] = {}
    began = time.perf_counter()
    with running_emulator(EmulatorConfig(auto_approve=True, testing_controls=True)) as base:
        live = live_module.Live(base)
        for operation in operations:
            started = time.perf_counter()
            tally = run.run_operation(
                live, operation, budget if operation.emulated else small, args.seed
            )
            results[operation.label] = _summary(tally, time.perf_counter() - started)
            _print(operation.label, tally)
        for scenario in lifecycle.lifecycles():
            if args.only in scenario.label:
                tally = lifecycle.run_lifecycle(live, scenario)
                results[scenario.label] = _summary(tally, 0.0)
                _print(scenario.label, tally)
        live.close()
    # An emulated operation no request succeeded on had its success path go unchecked.
    unsucceeded = [
        op.label
        for op in operations
        if op.must_succeed and not any(s.startswith("2") for s in results[op.label]["statuses"])
    ]
    requests = sum(sum(r["requests"].values()) for r in results.values())
    found = sum(len(r["findings"]) for r in results.values())
    totals = {
        "operations": len(operations),
        "requests": requests,
        "findings": found,
        "without_2xx": unsucceeded,
        "tolerated": sum(sum(r["tolerated"].values()) for r in results.values()),
        "checks": [check.__name__ for check in run.ALL_CHECKS],
        "seconds": round(time.perf_counter() - began, 1),
    }
    path = write_results(
        "emulator_conformance",
        {"totals": totals, "operations": results},
        examples=n,
        seed=args.seed,
    )
    print(f"{len(operations)} operations, {requests} requests, {found} findings -> {path}")
    for label in unsucceeded:
        print(f"no 2xx answer: {label}")
    return 1 if found or unsucceeded else 0


def _summary(tally: Any, seconds: float) -> dict[str, Any]:
    return {
        "requests": tally.requests,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "tolerated": tally.tolerated,
        "findings": [
            {"check": f.check, "status": f.status, "request": f.request, "detail": f.detail}
            for f in tally.findings.values()
        ],
        "seconds": round(seconds, 1),
    }


def _print(label: str, tally: Any) -> None:
    sent = sum(tally.requests.values())
    print(f"{label}: {sent} requests, {len(tally.findings)} findings", flush=True)
    for finding in tally.findings.values():
        print(f"  {finding.check} -> {finding.status}: {finding.request[:200]}")
        print(f"    {finding.detail[:400]}")


if __name__ == "__main__":
    sys.exit(main())
