"""Kill -9 a push between the token endpoint's rotation and its save: the known limit of
docs/constant-contact-client.md. Constant Contact's refresh tokens work once, and the new
one died with the process: the re-run stops with exit 4 and says to reconnect, the
connection is marked for it, nothing of the job is half-written; once reconnected, the
push ends as an unkilled one does."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures the rounds use)
    SECRET_CLIENT,
    cc,
    secret_key_file,
    wired,
)
from tests.reliability.crash_jobs import JOBS
from tests.reliability.crash_points import (  # noqa: F401  (fixtures the rounds use)
    RoundsFor,
    crash_rounds_fixture,
    quick_polls,
)
from tests.reliability.crash_snapshot import assert_no_duplicates, run_statuses, snapshot
from tests.sync.conftest import crm_databases  # noqa: F401  (fixtures the rounds use)

from listbridge.emulator.config import EmulatorConfig


@pytest.fixture
def cc_emulator_config() -> EmulatorConfig:
    """Access tokens of a second: a push refreshes them as it goes."""
    base = EmulatorConfig(auto_approve=True, testing_controls=True, clients=(SECRET_CLIENT,))
    return replace(base, access_token_seconds=1)


@pytest.mark.slow
def test_push_killed_between_token_rotation_and_save_stops_cleanly_then_resumes(
    crash_rounds: RoundsFor,
) -> None:
    rounds, job = crash_rounds("builtin"), JOBS["push"]
    expected, _ = rounds.baseline(job)
    scene = rounds.fresh(job)
    # the push's first call meets an expired token, whatever the machine's pace (a push
    # done within its token's one second never refreshed: CI, 14:17 UTC 2026-12-07)
    scene.cc.expire_access_tokens()
    killed = rounds.job(scene, job, "token_refreshed:1")
    assert killed.killed, killed.stderr
    stopped = rounds.job(scene, job)
    assert stopped.exit_code == 4, stopped.stderr
    assert "reconnect" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    status = scene.cli("status")
    assert "reconnect" in status.output.lower(), status.output
    assert_no_duplicates(scene)
    connected = scene.cli("connect", "--emulator", scene.cc.base_url)
    assert connected.exit_code == 0, connected.output
    again = rounds.job(scene, job)
    assert again.exit_code == 0, again.stderr
    found = dict(snapshot(scene), runs=run_statuses(scene)[-1:])
    # a connect pairs CC's lists with CRM lists (connect.copy_lists): News, empty, is its own
    assert found.pop("crm_lists") == {"News": []}
    assert found == {k: v for k, v in expected.items() if k != "crm_lists"}
    assert_no_duplicates(scene)
