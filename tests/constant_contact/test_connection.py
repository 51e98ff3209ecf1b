"""connect / status / disconnect / secrets rotate through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from tests.conftest import Cli
from tests.constant_contact.conftest import SECRET_CLIENT, CcEmulator

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.polling import Poller
from listbridge.core.errors import NotConnectedError
from listbridge.core.ratelimit import BudgetExhaustedError
from listbridge.store.budget import StoredBudget
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.sync.cc_connection import open_client

FAST_POLL = Poller(first=0.02, cap=0.2, timeout=120)


def connect(cli: Cli, cc: CcEmulator, *extra: str) -> str:
    answer = cli("connect", "--emulator", cc.base_url, *extra)
    assert answer.exit_code == 0, answer.output
    return answer.stdout


def test_connect_to_the_emulator_prints_the_account(wired: CcEmulator, cli: Cli) -> None:
    shown = connect(cli, wired)
    assert "Connected to Constant Contact: Listbridge Emulated Nonprofit" in shown
    assert "Avery Quinn <owner@listbridge-emulator.example.org>" in shown
    status = cli("status", "--json")
    assert status.exit_code == 0, status.output
    body = json.loads(status.stdout)
    assert body["health"] == "ok"
    assert body["organization_name"] == "Listbridge Emulated Nonprofit"
    assert body["budget_used_today"] >= 2
    assert body["budget_left_today"] <= 9998
    assert body["token_age_seconds"] is not None
    assert "connection health: ok" in cli("status").stdout


def test_a_confidential_client_and_no_secret_in_settings_show(wired: CcEmulator, cli: Cli) -> None:
    connect(
        cli,
        wired,
        "--client-id",
        SECRET_CLIENT.client_id,
        "--client-secret",
        SECRET_CLIENT.client_secret,
    )
    secrets = [*wired.issued_tokens(), SECRET_CLIENT.client_secret]
    for args in (("settings", "show"), ("settings", "show", "--json"), ("status",)):
        answer = cli(*args)
        assert answer.exit_code == 0, answer.output
        assert not [s for s in secrets if s in answer.output]


def test_revocation_mid_job_exits_4_and_the_job_resumes_after_reconnecting(
    wired: CcEmulator, cli: Cli, db_url: str
) -> None:
    connect(cli, wired)
    store = open_store(db_url)
    try:
        cid = connection_id(store, "default")
        client = open_client(store, cid)
        list_id = client.create_list("Resumable").list_id
        rows = [{"email": f"r{i}@example.org"} for i in range(40)]
        memo = DictMemo()  # a job keeps this in its run checkpoint
        Bulk(client, memo, FAST_POLL).import_contacts("job:first", rows[:20], [list_id])
        wired.faults(revoke_tokens=True)
        with pytest.raises(NotConnectedError, match="reconnect needed"):
            Bulk(client, memo, FAST_POLL).import_contacts("job:second", rows[20:], [list_id])
        client.close()
        refused = cli("status")
        assert refused.exit_code == 4
        assert "reconnect needed" in refused.stderr
        with pytest.raises(NotConnectedError, match="reconnect needed"):
            open_client(store, cid)
        connect(cli, wired)
        resumed = open_client(store, cid)
        Bulk(resumed, memo, FAST_POLL).import_contacts("job:first", rows[:20], [list_id])
        Bulk(resumed, memo, FAST_POLL).import_contacts("job:second", rows[20:], [list_id])
        emails = [c.email_address.address for c in resumed.iter_contacts() if c.email_address]
        resumed.close()
    finally:
        store.close()
    assert sorted(emails) == sorted(r["email"] for r in rows)
    accepted = [
        e
        for e in wired.recorder.exchanges
        if e[:2] == ("POST", "/v3/activities/contacts_json_import") and e[2] == 201
    ]
    assert len(accepted) == 2  # each batch accepted once; on resume the first is only polled


def test_disconnect_asks_then_forgets_the_tokens(wired: CcEmulator, cli: Cli) -> None:
    connect(cli, wired)
    kept = cli("disconnect", input="n\n")
    assert kept.exit_code == 0
    assert "Nothing changed" in kept.stderr
    assert cli("status", "--offline").exit_code == 0
    gone = cli("disconnect", "--yes")
    assert gone.exit_code == 0
    assert "forgot: tokens" in gone.stdout
    after = cli("status")
    assert after.exit_code == 4
    assert "not connected" in after.stdout


def test_secrets_rotate_re_encrypts_with_a_new_key(
    wired: CcEmulator, cli: Cli, secret_key_file: Path
) -> None:
    connect(cli, wired)
    old_key = secret_key_file.read_bytes()
    assert stat.S_IMODE(secret_key_file.stat().st_mode) == 0o600
    rotated = cli("secrets", "rotate")
    assert rotated.exit_code == 0
    assert "Re-encrypted 1 secret(s)" in rotated.stdout
    assert secret_key_file.read_bytes() != old_key
    assert stat.S_IMODE(secret_key_file.stat().st_mode) == 0o600
    assert cli("status").exit_code == 0
    secret_key_file.write_bytes(old_key)  # the old key no longer opens anything
    stale = cli("status")
    assert stale.exit_code == 4
    assert "cannot be decrypted" in stale.stderr


def test_a_key_from_the_environment_is_used_and_rotation_needs_the_new_one(
    wired: CcEmulator, cli: Cli, monkeypatch: pytest.MonkeyPatch, secret_key_file: Path
) -> None:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("LISTBRIDGE_SECRET_KEY", Fernet.generate_key().decode())
    connect(cli, wired)
    assert not secret_key_file.exists()
    refused = cli("secrets", "rotate")
    assert refused.exit_code == 2
    assert "LISTBRIDGE_NEW_SECRET_KEY" in refused.stderr
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("LISTBRIDGE_NEW_SECRET_KEY", new)
    assert cli("secrets", "rotate").exit_code == 0
    monkeypatch.setenv("LISTBRIDGE_SECRET_KEY", new)
    assert cli("status").exit_code == 0


def test_a_job_that_would_overrun_todays_budget_says_so_first(
    wired: CcEmulator, cli: Cli, db_url: str
) -> None:
    from datetime import UTC, datetime

    connect(cli, wired)
    store = open_store(db_url)
    try:
        budget = StoredBudget(store, connection_id(store, "default"))
        used = budget.current().used
        assert used >= 1  # the token exchange is free; the account summary is not
        budget.spend(datetime.now(UTC), 9_990)
        with pytest.raises(BudgetExhaustedError, match="needs about 50"):
            budget.current().check(datetime.now(UTC), 50, "push")
    finally:
        store.close()


def test_no_browser_prints_the_url_and_takes_the_pasted_redirect(
    wired: CcEmulator, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx
    import typer

    from listbridge.constant_contact import oauth

    begun: list[oauth.PendingAuthorization] = []
    real_begin = oauth.begin

    def recording_begin(config: object) -> oauth.PendingAuthorization:
        begun.append(real_begin(config))  # type: ignore[arg-type]
        return begun[-1]

    def paste(_text: str, **_kw: object) -> str:
        """The user opens the printed URL, approves, and pastes where the browser landed."""
        answer = httpx.get(begun[-1].url, follow_redirects=False)
        return answer.headers["location"]

    monkeypatch.setattr(oauth, "begin", recording_begin)
    monkeypatch.setattr(typer, "prompt", paste)
    root = wired.base_url
    answer = cli(
        "connect",
        "--no-browser",
        "--client-id",
        "pasting-user",
        "--api-base",
        f"{root}/v3",
        "--auth-base",
        f"{root}/oauth2/default/v1",
    )
    assert answer.exit_code == 0, answer.output
    assert begun[-1].url in answer.stdout
    assert "code_challenge=" in begun[-1].url
    assert "Listbridge Emulated Nonprofit" in answer.stdout
