"""Acceptance checks of issue 4: connect prints the account; a revoked token exits 4 with
"reconnect needed"; the database file holds no token or secret in clear text."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conftest import Cli
from tests.constant_contact.conftest import SECRET_CLIENT, CcEmulator
from tests.support.emulator_process import emulator_process as running_emulator_process

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


@pytest.fixture
def emulator_process() -> Iterator[str]:
    """`listbridge emulator --auto-approve --port P` in its own process."""
    with running_emulator_process() as url:
        yield url


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
