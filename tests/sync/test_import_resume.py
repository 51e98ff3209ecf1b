"""Kill -9 mid-import, run it again: the job finishes with no duplicate account and no link
lost. A CRM held elsewhere may keep the last batch without its links (crm/protocol.py,
`write_batch`): the re-run matches those accounts by their address."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select
from tests.sync.conftest import Scene
from tests.sync.crms import ATOMIC_BATCHES, CALLER_IDS

from listbridge.store.models import Run

CONTACTS = 1500  # three pages of 500


def _accounts(scene: Scene) -> int:
    return len(scene.accounts())


def _start_import(scene: Scene) -> subprocess.Popen[str]:
    env = {**os.environ, "LISTBRIDGE_LOCK_TTL_SECONDS": "1"}
    command = [sys.executable, "-m", "listbridge", "--db", scene.cli.db_url, "import", "--json"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_first_batch(scene: Scene, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while _accounts(scene) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never applied a batch"
        time.sleep(0.02)


@pytest.mark.slow
def test_killed_mid_import_then_rerun_finishes_without_duplicates(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = scene.cc.control.post("/seed", json={"contacts": CONTACTS, "lists": 2, "seed": 7})
    seeded.raise_for_status()
    subscribed = sum(
        1 for c in scene.cc.state.contacts.by_id.values() if c.permission != "unsubscribed"
    )
    scene.cc.faults(latency_ms=400)
    process = _start_import(scene)
    _wait_for_first_batch(scene, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes
    partial, linked = _accounts(scene), len(scene.links())
    assert 0 < partial < subscribed
    if scene.can(ATOMIC_BATCHES):
        assert linked == partial  # no account kept without its link
    scene.cc.faults(latency_ms=0)
    monkeypatch.setenv("LISTBRIDGE_LOCK_TTL_SECONDS", "1")
    time.sleep(1.2)  # the killed holder's lease lapses
    result = scene.import_json()
    assert result["created"] == subscribed - partial
    assert result["attempted"] == result["created"] + result["matched"] + result["not_imported"]
    links, accounts = scene.links(), scene.accounts()
    assert len(accounts) == len(links) == len(set(links.values())) == subscribed
    assert set(links) == {a.id for a in accounts}
    if scene.can(CALLER_IDS):
        assert sorted(links) == sorted(f"cc-{contact}" for contact in links.values())
    with scene.store.session() as session:
        statuses = list(session.scalars(select(Run.status).order_by(Run.id)))
    assert statuses == ["interrupted", "partial"]
    runs = json.loads(scene.cli("runs", "ls", "--json").stdout)
    # the killed run's counts were checkpointed with its batches' links
    assert runs[1]["counts"].get("created", 0) == linked
