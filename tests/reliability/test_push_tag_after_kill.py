"""A push killed after its import and before its taggings: the re-run tags the contacts the
killed run made (issue 20's first finding). Before the fix the re-run found them at their
addresses, linked them as matched existing, and never tagged them."""

from __future__ import annotations

import json

import pytest
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures the rounds use)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.crash_jobs import JOBS
from tests.reliability.crash_points import (  # noqa: F401  (fixtures the rounds use)
    CRASH_CRMS,
    RoundsFor,
    crash_rounds_fixture,
    quick_polls,
)
from tests.sync.conftest import crm_databases  # noqa: F401  (fixtures the rounds use)

#: in CC before the push: Kim (matched by the push, so never tagged) and Lee (unsubscribed)
FOUND_IN_CC = {"kim.nguyen@example.org", "lee.park@example.org"}


def _tagged(emulator: CcEmulator) -> dict[str, bool]:
    with emulator.state.lock:
        contacts = [c for c in emulator.state.contacts.by_id.values() if not c.is_deleted]
        return {(c.email or "").lower(): bool(c.taggings) for c in contacts}


@pytest.mark.parametrize("crm_name", CRASH_CRMS)
def test_contacts_made_by_a_push_killed_before_tagging_are_tagged_by_its_rerun(
    crm_name: str, crash_rounds: RoundsFor
) -> None:
    rounds = crash_rounds(crm_name)
    job = JOBS["push"]
    scene = rounds.fresh(job)
    killed = rounds.job(scene, job, "push_imported:1")
    assert killed.killed, killed.stderr
    made = {email for email, tagged in _tagged(rounds.cc).items() if email not in FOUND_IN_CC}
    assert len(made) >= 15
    assert not any(_tagged(rounds.cc)[email] for email in made)  # the kill's window
    again = rounds.job(scene, job)
    assert again.exit_code == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["created"] == 0  # the killed run made them: found, not made twice
    assert result["matched_existing"] == len(made) + len(FOUND_IN_CC)  # both there before
    tagged = _tagged(rounds.cc)
    assert {email for email in made if not tagged[email]} == set()
    assert not tagged["kim.nguyen@example.org"]  # matched, not new: untagged, as ever
    assert not tagged["lee.park@example.org"]
    assert "tagging the new contacts of 1 interrupted push" in again.stderr
    third = rounds.job(scene, job)
    assert third.exit_code == 0, third.stderr
    assert "tagging the new contacts" not in third.stderr  # forgotten once done
