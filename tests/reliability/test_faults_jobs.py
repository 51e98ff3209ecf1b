"""Each job under the faults Constant Contact's users meet (issue 20, "Faults"): it either
completes or stops cleanly (exit 4 to reconnect, 5 while the service fails; the run
interrupted, our own message, never a traceback), leaves nothing half-written, and once
the fault is gone a re-run reaches the state of a round that saw no fault.

A job's faults share one uninterrupted round, its baseline. The faults are the
emulator's control (`POST /__emulator__/faults`), on for the whole run, or started by a
request hook mid-run (a revoked token, two answers 3 s late, an outage). Faults act on the HTTP
exchange, which is the same whatever holds the state: every job runs on SQLite, and
the push, whose resume depends most on the store, on PostgreSQL as well.
Figures: LISTBRIDGE_FAULT_FIGURES=FILE appends one JSON line per faulted run.
"""

from __future__ import annotations

import pytest
from tests.constant_contact.conftest import (  # noqa: F401 (fixtures)
    cc,
    cc_emulator_config,
    secret_key_file,
)
from tests.reliability.fault_scenarios import SCENARIOS
from tests.reliability.faults_support import (  # noqa: F401 (fixtures)
    Fault,
    Hooks,
    Rounds,
    assert_clean_stop,
    assert_nothing_half_written,
    fast_clients,
    migrated_sqlite,
    outage_from,
    outcome_of,
    revoked_at,
    rounds,
    run_under,
    slow_from,
    snapshot,
)

STORM_429 = Fault("429 storm", {"rate_429": 0.5})
FIVE_XX_10 = Fault("5xx 10%", {"rate_5xx": 0.1})
FIVE_XX_50 = Fault("5xx 50%", {"rate_5xx": 0.5})
RESETS = Fault("connection resets", {"reset_rate": 0.25})
MALFORMED = Fault("malformed JSON", {"malformed_json_rate": 0.25})
FAILED = Fault("activity failed", {"activity_outcome": "failed"})
TIMED_OUT = Fault("activity timed_out", {"activity_outcome": "timed_out"})
REVOKED = Fault("token revoked mid-run", mid_run=revoked_at(2))
SLOW = Fault("3 s latency, 2 requests", mid_run=slow_from(1, 2, 3000))
OUTAGE = Fault("5xx outage from request 2", mid_run=outage_from(2))

#: every fault kind on at least two jobs (10% of 5xx where a job makes enough requests to
#: meet some), an activity's end where a job has activities (import, unsubscribes and
#: stats read and write without bulk activities), an outage that outlasts the retries
#: where nothing else stops the job
FAULTS = {
    "push": (STORM_429, FIVE_XX_10, RESETS, MALFORMED, FAILED, REVOKED),
    "import": (FIVE_XX_50, RESETS, MALFORMED, REVOKED, SLOW, OUTAGE),
    "lists": (FIVE_XX_50, TIMED_OUT, RESETS, REVOKED),
    "unsubscribes": (STORM_429, MALFORMED, REVOKED, OUTAGE),
    "stats": (FIVE_XX_10, RESETS, MALFORMED, REVOKED, OUTAGE),
}
#: the push again on PostgreSQL: the faults that stop it, where its resume is the store's
ON_POSTGRESQL = (FAILED, REVOKED)


@pytest.fixture(params=["sqlite"])
def store_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def each_fault(job: str, made: Rounds, hooks: Hooks, faults: tuple[Fault, ...] = ()) -> None:
    scenario = SCENARIOS[job]
    first = made.new()
    scenario.prepare(first)
    first.ok(*scenario.command)
    baseline = snapshot(first)
    for fault in faults or FAULTS[job]:
        r = made.new()
        scenario.prepare(r)
        answer = run_under(fault, r, hooks, scenario.command)
        outcome = outcome_of(job, fault, answer, r)
        assert outcome.faulted, outcome  # the fault was met
        assert_clean_stop(answer, r, scenario.kind)
        assert_nothing_half_written(r)
        if answer.exit_code == 4:
            r.ok("connect", "--emulator", r.cc.base_url)
        r.ok(*scenario.command)
        assert snapshot(r) == baseline, fault.name


def test_push_under_faults(rounds: Rounds, fast_clients: Hooks) -> None:  # noqa: F811
    each_fault("push", rounds, fast_clients)


@pytest.mark.parametrize("store_backend", ["postgresql"], indirect=True)
def test_push_under_faults_that_stop_it_on_postgresql(
    rounds: Rounds,  # noqa: F811
    fast_clients: Hooks,  # noqa: F811
) -> None:
    each_fault("push", rounds, fast_clients, ON_POSTGRESQL)


def test_import_under_faults(rounds: Rounds, fast_clients: Hooks) -> None:  # noqa: F811
    each_fault("import", rounds, fast_clients)


def test_lists_sync_under_faults(rounds: Rounds, fast_clients: Hooks) -> None:  # noqa: F811
    each_fault("lists", rounds, fast_clients)


def test_unsubscribes_sync_under_faults(rounds: Rounds, fast_clients: Hooks) -> None:  # noqa: F811
    each_fault("unsubscribes", rounds, fast_clients)


def test_stats_pull_under_faults(rounds: Rounds, fast_clients: Hooks) -> None:  # noqa: F811
    each_fault("stats", rounds, fast_clients)
