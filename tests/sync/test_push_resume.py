"""Kill -9 mid-push, run it again: no duplicate contact, every account linked once, and the
killed run's bulk activity is polled to its end, not submitted again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from tests.sync.conftest import Scene
from tests.sync.test_push import push

from listbridge.core.accounts import Account
from listbridge.store.models import CcLink, PushActivity

ACCOUNTS = 1500


def _count(scene: Scene, table: object) -> int:
    with scene.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _start_push(scene: Scene) -> subprocess.Popen[str]:
    env = {**os.environ, "LISTBRIDGE_LOCK_TTL_SECONDS": "1"}
    command = [sys.executable, "-m", "listbridge", "--db", scene.cli.db_url,
               "push", "--list", "News", "--json"]  # fmt: skip
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_killed_mid_push_then_rerun_finishes_without_duplicates(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene.add_list("News")
    people = [Account(f"a{n}", email=f"person{n}@example.org", first_name="P", last_name=f"N{n}")
              for n in range(ACCOUNTS)]  # fmt: skip
    scene.add_accounts(people)
    # The emulator holds the import until the push is killed (a pause raced the clock).
    scene.cc.faults(activity_hold=True)
    process = _start_push(scene)
    deadline = time.monotonic() + 60
    while _count(scene, PushActivity) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the push never submitted an activity"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    scene.cc.faults(activity_hold=False)
    assert _count(scene, CcLink) == 0
    imports_before = scene.cc.counters()["by_endpoint"]["POST /v3/activities/contacts_json_import"]
    assert imports_before == 1
    monkeypatch.setenv("LISTBRIDGE_LOCK_TTL_SECONDS", "1")
    time.sleep(1.2)  # the killed holder's lease lapses
    result = push(scene, "--list", "News")
    assert result["created"] + result["matched_existing"] == ACCOUNTS
    assert result["created"] == 0  # the killed run's import finished; nothing made twice
    emails = [c.email for c in scene.cc.state.contacts.by_id.values()]
    assert len(emails) == len(set(emails)) == ACCOUNTS
    assert _count(scene, CcLink) == ACCOUNTS
    assert len(set(scene.links().values())) == len(scene.accounts()) == ACCOUNTS
    assert _count(scene, PushActivity) == 0
    again = push(scene, "--list", "News")
    assert again["already_linked"] == ACCOUNTS
