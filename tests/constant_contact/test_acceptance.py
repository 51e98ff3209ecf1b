"""Acceptance checks of issue 4: connect prints the account; a revoked token exits 4 with
"reconnect needed"; the database file holds no token or secret in clear text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conftest import Cli
from tests.constant_contact.conftest import SECRET_CLIENT, CcEmulator
from tests.support.net import free_port

from listbridge.store.db import open_store
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import StoredTokens
from listbridge.sync.cc_connection import open_client


def test_the_database_file_holds_no_token_or_secret_in_clear_text(
    wired: CcEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "plain.db"
    cli = Cli(f"sqlite:///{db}")
    answer = cli(
        "connect",
        "--emulator",
        wired.base_url,
        "--client-id",
        SECRET_CLIENT.client_id,
        "--client-secret",
        SECRET_CLIENT.client_secret,
    )
    assert answer.exit_code == 0, answer.output
    store = open_store(f"sqlite:///{db}")
    try:
        vault = StoredTokens(store, 1, secret_box(store))
        current = vault.load()
        assert current is not None
        vault.save(replace(current, expires_at=datetime.now(UTC)))  # due: the next call rotates
        client = open_client(store, 1)
        assert client.account_summary().organization_name
        assert client.session.auth.refreshes == 1
        client.close()
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("plain.db*") if p.suffix != ".key")
    assert b"Listbridge Emulated Nonprofit" in raw  # the bytes are readable: the check bites
    secrets = [*wired.issued_tokens(), SECRET_CLIENT.client_secret]
    assert len(secrets) == 5  # two access tokens, two refresh tokens, the client secret
    assert [s for s in secrets if s.encode() in raw] == []


EMULATOR = [sys.executable, "-m", "listbridge", "emulator"]


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[str]:
    """`listbridge emulator --auto-approve --port P` in its own process."""
    port = free_port()
    process = subprocess.Popen(
        [*EMULATOR, "--auto-approve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the emulator process exited"
        try:
            httpx.get(f"{url}/__emulator__/counters", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the emulator did not start listening")


def _listbridge(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "listbridge", "--db", f"sqlite:///{db}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )


def test_connect_then_revoke_in_real_processes(emulator_process: str, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    connected = _listbridge(db, "connect", "--emulator", emulator_process)
    assert connected.returncode == 0, connected.stderr
    assert "Listbridge Emulated Nonprofit" in connected.stdout
    assert "owner@listbridge-emulator.example.org" in connected.stdout
    assert _listbridge(db, "status").returncode == 0
    revoke = httpx.post(f"{emulator_process}/__emulator__/faults", json={"revoke_tokens": True})
    revoke.raise_for_status()
    refused = _listbridge(db, "status")
    assert refused.returncode == 4
    assert "reconnect needed" in refused.stderr
    again = _listbridge(db, "status", "--offline")
    assert again.returncode == 4
    assert "needs reconnect" in again.stdout
