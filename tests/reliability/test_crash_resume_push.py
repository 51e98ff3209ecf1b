"""Kill -9 a push at points spread over it, run it again: what both sides hold equals what
an unkilled push leaves (tests/reliability/crash_points.py)."""

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
    RoundsFor,
    crash_resume,
    crash_rounds_fixture,
    kept,
    points_for,
    quick_polls,
)
from tests.sync.conftest import crm_databases  # noqa: F401  (fixtures the rounds use)

POINTS = {"builtin": 12, "sql-mariadb": 4}


@pytest.mark.slow
@pytest.mark.parametrize("crm_name", list(POINTS))
def test_push_killed_anywhere_resumes_to_the_same_end(
    crm_name: str, crash_rounds: RoundsFor
) -> None:
    count = points_for(POINTS[crm_name])
    tally = kept(crash_resume(crash_rounds(crm_name), JOBS["push"], count))
    assert tally.mismatches == []
    # as many as asked, or every distinct point a short job passes (the soak asks for 20)
    assert 0 < tally.resumed == tally.tried <= count
    # the points lie inside an unkilled run; one that polled less may end before the last
    assert tally.killed >= tally.tried - 2
