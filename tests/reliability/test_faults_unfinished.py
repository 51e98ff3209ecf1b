"""A bulk activity Constant Contact has not finished when the push's poll gives up: the
push stopped with a builtin `TimeoutError` ("unexpected failure", exit 1, the run failed).
It now stops resumable (exit 5, the run interrupted), the activity still remembered; the
re-run waits for it, never submits it again, and ends where an uninterrupted push ends."""

from __future__ import annotations

import pytest
from tests.constant_contact.conftest import (  # noqa: F401 (fixtures)
    cc,
    cc_emulator_config,
    secret_key_file,
)
from tests.reliability import faults_support
from tests.reliability.fault_scenarios import SCENARIOS
from tests.reliability.faults_support import (  # noqa: F401 (fixtures)
    Hooks,
    Rounds,
    assert_clean_stop,
    assert_nothing_half_written,
    fast_clients,
    migrated_sqlite,
    rounds,
    snapshot,
)

from listbridge.constant_contact.polling import Poller

#: how long the push's poll waits for its import: the emulator holds the import past it
PATIENCE = 0.1


@pytest.fixture
def store_backend() -> str:
    return "sqlite"


def _impatient(poller: Poller) -> Poller:
    return Poller(first=0.02, factor=2.0, cap=0.05, timeout=PATIENCE, sleep=poller.sleep)


def test_a_push_whose_import_is_still_processing_stops_resumable_and_resumes(
    rounds: Rounds,  # noqa: F811
    fast_clients: Hooks,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    push = SCENARIOS["push"]
    first = rounds.new()
    push.prepare(first)
    first.ok(*push.command)
    baseline = snapshot(first)

    r = rounds.new()
    push.prepare(r)
    r.cc.faults(activity_hold=True)
    with monkeypatch.context() as impatient:
        impatient.setattr(faults_support, "_quick_poller", _impatient)
        stopped = r.run(*push.command)
    r.cc.faults(activity_hold=False)
    assert stopped.exit_code == 5, stopped.output
    assert "had not finished the bulk activity" in stopped.stderr
    assert_clean_stop(stopped, r, push.kind)
    assert_nothing_half_written(r)
    submitted = r.cc.counters()["by_endpoint"]["POST /v3/activities/contacts_json_import"]

    r.ok(*push.command)
    again = r.cc.counters()["by_endpoint"]["POST /v3/activities/contacts_json_import"]
    assert again == submitted  # waited for, not submitted twice
    assert snapshot(r) == baseline
