"""Schemathesis with every check over every operation the emulator serves (issue 22, item 1).

The operations are computed from the spec and the emulator's route table
(``conformance_run.covered_operations``), so a family that lands is covered with no change
here. Each gets the coverage phase, free and aimed requests the spec allows and requests it
forbids (``CI_BUDGET`` of each, derandomized, so CI sends the same requests every time), on
an emulator refilled with known objects; each collection the emulator creates, reads and
deletes also runs the create → read → delete → read scenario of the two stateful checks.
A failure is allowed only when a row of docs/emulator-deviations.md explains it
(``ccspec.TOLERATED_FAILURES``), and every emulated operation but the landing-page reports
must answer some request with a 2xx, so its success path and response schema are checked.
``bench/emulator_conformance.py`` is the longer run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.conformance_lifecycle import Lifecycle, lifecycles, run_lifecycle
from tests.support.conformance_live import Live
from tests.support.conformance_run import (
    CI_BUDGET,
    NOT_EMULATED_BUDGET,
    SpecOperation,
    covered_operations,
    run_operation,
)
from tests.support.conformance_tally import Tally

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.testing import running_emulator

OPERATIONS = covered_operations()
LIFECYCLES = lifecycles()


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with running_emulator(EmulatorConfig(auto_approve=True, testing_controls=True)) as base_url:
        target = Live(base_url)
        yield target
        target.close()


def _report(tally: Tally) -> str:
    return "\n".join(
        f"- {f.check} -> {f.status}: {f.request[:300]}\n  {f.detail[:600]}"
        for f in tally.findings.values()
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_operation_conforms_to_the_official_spec(live: Live, operation: SpecOperation) -> None:
    budget = CI_BUDGET if operation.emulated else NOT_EMULATED_BUDGET
    tally = run_operation(live, operation, budget)
    assert not tally.findings, f"{operation.label}:\n{_report(tally)}"
    assert tally.requests.get("coverage", 0) > 0
    if operation.must_succeed:
        # The aimed requests reach prepared objects, so the success path and its response
        # schema are checked: an operation no request succeeds on is a failure.
        successes = sum(n for status, n in tally.statuses.items() if 200 <= status < 300)
        assert successes, f"{operation.label}: no 2xx answer: {tally.statuses}"
    else:
        assert all(status >= 400 for status in tally.statuses), tally.statuses


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=[lc.label for lc in LIFECYCLES])
def test_create_read_delete_read(live: Live, lifecycle: Lifecycle) -> None:
    tally = run_lifecycle(live, lifecycle)
    assert not tally.findings, f"{lifecycle.label}:\n{_report(tally)}"
    assert tally.requests["lifecycle"] == 4, tally.statuses
