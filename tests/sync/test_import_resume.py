"""Kill -9 mid-import, run it again: the job finishes with no duplicate account and no link lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from tests.sync.conftest import Scene

from listbridge.store.models import CcLink, CrmAccount, Run

CONTACTS = 1500  # three pages of 500


def _count(scene: Scene, column: object) -> int:
    with scene.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(column)) or 0)


def _start_import(scene: Scene) -> subprocess.Popen[str]:
    env = {**os.environ, "LISTBRIDGE_LOCK_TTL_SECONDS": "1"}
    command = [sys.executable, "-m", "listbridge", "--db", scene.cli.db_url, "import", "--json"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_first_batch(scene: Scene, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while _count(scene, CrmAccount) == 0:
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
    partial = _count(scene, CrmAccount)
    assert 0 < partial < subscribed
    scene.cc.faults(latency_ms=0)
    monkeypatch.setenv("LISTBRIDGE_LOCK_TTL_SECONDS", "1")
    time.sleep(1.2)  # the killed holder's lease lapses
    result = scene.import_json()
    assert result["created"] == subscribed - partial
    assert result["attempted"] == result["created"] + result["matched"] + result["not_imported"]
    assert _count(scene, CrmAccount) == _count(scene, CcLink) == subscribed
    accounts = scene.accounts()
    assert sorted(a.id for a in accounts) == sorted(f"cc-{a.cc_contact_id}" for a in accounts)
    with scene.store.session() as session:
        statuses = list(session.scalars(select(Run.status).order_by(Run.id)))
    assert statuses == ["interrupted", "partial"]
    runs = json.loads(scene.cli("runs", "ls", "--json").stdout)
    assert runs[1]["counts"]["created"] == partial  # the killed run's counts were checkpointed
