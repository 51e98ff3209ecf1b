"""A job killed just as its run is recorded: the next job marks that run interrupted.

Found by the crash-resume soak (push, builtin CRM, kill point commit:10): the run was
created in one transaction and named in the connection's lock in the next, so a kill
between the two left a run that no successor knew to interrupt, `running` for ever in
`runs ls` and the web admin. Both are now one transaction (`store.locks.locked_run`)."""

from __future__ import annotations

import json

from tests.constant_contact.conftest import (  # noqa: F401  (fixtures the rounds use)
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.crash_jobs import JOBS
from tests.reliability.crash_points import (  # noqa: F401  (fixtures the rounds use)
    RoundsFor,
    crash_rounds_fixture,
    quick_polls,
)
from tests.reliability.crash_snapshot import run_statuses
from tests.sync.conftest import crm_databases  # noqa: F401  (fixtures the rounds use)

from listbridge.store.locks import read_lease


def test_a_run_killed_as_it_is_recorded_is_interrupted_by_the_next(
    crash_rounds: RoundsFor,
) -> None:
    rounds, job = crash_rounds("builtin"), JOBS["push"]
    scene = rounds.fresh(job)
    # killed after the 1st, 2nd … commit until the commit that records the run: each
    # earlier kill leaves nothing but a dead holder's lock, which the next one takes over
    for n in range(1, 40):
        killed = rounds.job(scene, job, f"commit:{n}")
        assert killed.killed, (n, killed.stderr)
        if run_statuses(scene):
            break
    assert run_statuses(scene) == ["running"]
    runs = scene.cli("runs", "ls", "--json")
    [run_id] = [run["run_id"] for run in json.loads(runs.stdout)]
    lease = read_lease(scene.store, scene.connection_id)
    assert lease is not None
    assert lease.run_id == run_id  # the lock names the run from its first commit
    again = rounds.job(scene, job)
    assert again.exit_code == 0, again.stderr
    assert run_statuses(scene) == ["interrupted", "partial"]
