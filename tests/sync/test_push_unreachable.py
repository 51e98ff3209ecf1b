"""Constant Contact going away mid-push: the run is interrupted (exit 5, a message naming
the API and the run), and once the service is back, running the push again finishes it
with no contact made twice. On SQLite and PostgreSQL, with the builtin CRM: the CRM is
only the push's source here (test_push_resume.py kills a push on every CRM)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from sqlalchemy import func, select
from tests.conftest import Cli
from tests.support.net import free_port
from typer.testing import Result

from listbridge.constant_contact.limiter import Limiter
from listbridge.core.accounts import Account
from listbridge.core.runs import RunStatus
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import running_emulator
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.models import CcLink, PushActivity
from listbridge.store.runs import list_runs
from listbridge.sync import cc_connection

ACCOUNTS = 120
CONFIG = EmulatorConfig(auto_approve=True, testing_controls=True)


class Service:
    """The emulator on a fixed port with state that outlives it: CC down, then back."""

    def __init__(self) -> None:
        self.state = EmulatorState()
        self.base_url = f"http://127.0.0.1:{free_port()}"
        self._running: AbstractContextManager[str] | None = None

    def start(self) -> None:
        port = int(self.base_url.rsplit(":", 1)[1])
        self._running = running_emulator(CONFIG, self.state, port)
        self._running.__enter__()

    def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            running.__exit__(None, None, None)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    # Retries back off without sleeping, so "retries spent" comes in milliseconds.
    options = {"sleep": lambda _seconds: None, "limiter": Limiter(50.0)}
    monkeypatch.setattr(cc_connection, "CLIENT_OPTIONS", options)
    emulator = Service()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def _count(store: Store, table: object) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _set_up(service: Service, cli: Cli, store: Store) -> None:
    assert cli("connect", "--emulator", service.base_url).exit_code == 0
    assert cli("lists", "create", "News").exit_code == 0
    crm = BuiltinCrm(store, connection_id(store, "default"))
    for n in range(ACCOUNTS):
        crm.create(Account(f"a{n}", email=f"person{n}@example.org"), reason="test setup")
    # The import is held in progress, so the push is still polling when CC goes away (the
    # emulator's end lets it finish, as the real service finishes it with no one polling).
    faults = {"latency_ms": 20, "activity_hold": True}
    httpx.post(f"{service.base_url}/__emulator__/faults", json=faults).raise_for_status()


def _push_until_cc_goes_away(service: Service, cli: Cli, store: Store) -> Result:
    """Push in a thread; stop the emulator once the push has submitted its import."""
    outcome: list[Result] = []
    worker = threading.Thread(target=lambda: outcome.append(cli("push", "--list", "News")))
    worker.start()
    deadline = time.monotonic() + 60
    while _count(store, PushActivity) == 0:
        assert worker.is_alive(), outcome[0].output
        assert time.monotonic() < deadline, "the push submitted no activity"
        time.sleep(0.02)
    service.stop()
    worker.join(timeout=120)
    assert outcome, "the push did not end"
    return outcome[0]


def test_cc_gone_mid_push_interrupts_the_run_and_a_rerun_finishes(
    service: Service, cli: Cli, store: Store
) -> None:
    _set_up(service, cli, store)
    stopped = _push_until_cc_goes_away(service, cli, store)
    assert stopped.exit_code == 5, stopped.output
    run = list_runs(store, connection_id(store, "default"), kind="push")[0]
    assert f"cannot reach Constant Contact at {service.base_url}/v3: " in stopped.stderr
    assert f"the run {run.run_id} is interrupted and resumes when you run the job again" in (
        stopped.stderr
    )
    assert "unexpected failure" not in stopped.stderr
    assert run.status is RunStatus.INTERRUPTED
    assert run.message.startswith(f"cannot reach Constant Contact at {service.base_url}/v3")

    service.start()
    httpx.post(f"{service.base_url}/__emulator__/faults", json={}).raise_for_status()
    again = cli("push", "--list", "News", "--json")
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    assert result["created"] + result["matched_existing"] == ACCOUNTS
    emails = [c.email for c in service.state.contacts.by_id.values()]
    assert len(emails) == len(set(emails)) == ACCOUNTS
    assert _count(store, CcLink) == ACCOUNTS
    assert _count(store, PushActivity) == 0
