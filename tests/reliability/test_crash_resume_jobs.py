"""Kill -9 an import, a list sync, an unsubscribe reconciliation and a stats pull at points
spread over each, run it again: what both sides hold equals what an unkilled run leaves
(tests/reliability/crash_points.py). The push has a file of its own (more points)."""

from __future__ import annotations

import pytest
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures the rounds use)
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.crash_jobs import JOBS
from tests.reliability.crash_points import (  # noqa: F401  (fixtures the rounds use)
    CRASH_CRMS,
    RoundsFor,
    crash_resume,
    crash_rounds_fixture,
    kept,
    points_for,
    quick_polls,
)
from tests.sync.conftest import crm_databases  # noqa: F401  (fixtures the rounds use)

#: kill points a job gets in CI, by CRM (bench/crash_soak.py tries 20 of each)
POINTS = {"builtin": 3, "sql-mariadb": 1}


@pytest.mark.slow
@pytest.mark.parametrize("crm_name", CRASH_CRMS)
@pytest.mark.parametrize("job", ["import", "lists", "unsubscribes", "stats"])
def test_job_killed_anywhere_resumes_to_the_same_end(
    job: str, crm_name: str, crash_rounds: RoundsFor
) -> None:
    count = points_for(POINTS[crm_name])
    tally = kept(crash_resume(crash_rounds(crm_name), JOBS[job], count))
    assert tally.mismatches == []
    # as many as asked, or every distinct point a short job passes (the soak asks for 20)
    assert 0 < tally.resumed == tally.tried <= count
    # the points lie inside an unkilled run; one that polled less may end before the last
    assert tally.killed >= tally.tried - 2
