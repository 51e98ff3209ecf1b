"""OAuth against the emulator: PKCE login, refresh before expiry and on 401, rotation."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.constant_contact.conftest import SECRET_CLIENT, CcEmulator

from listbridge.constant_contact import oauth
from listbridge.constant_contact.auth import RefusedGrantError, token_request
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.errors import NotConnectedError, UserError
from listbridge.emulator.config import EmulatorConfig


def test_a_pkce_login_gets_tokens_that_work(cc: CcEmulator) -> None:
    config = cc.config()
    pending = oauth.begin(config)
    assert "code_challenge_method=S256" in pending.url
    assert pending.verifier not in pending.url  # only the challenge travels
    client = cc.client(MemoryVault(cc.login(config)))
    summary = client.account_summary()
    assert summary.organization_name == "Listbridge Emulated Nonprofit"
    assert summary.owner == "Avery Quinn"


def test_a_confidential_client_authenticates_with_its_secret(cc: CcEmulator) -> None:
    good = cc.config(client_id=SECRET_CLIENT.client_id, client_secret=SECRET_CLIENT.client_secret)
    assert cc.client(MemoryVault(cc.login(good)), **_same(good)).account_summary().contact_email
    wrong = replace(good, client_secret="not-the-secret")
    with pytest.raises(RefusedGrantError, match="invalid_client"):
        cc.login(wrong)


def _same(config: object) -> dict[str, object]:
    return {"client_id": config.client_id, "client_secret": config.client_secret}  # type: ignore[attr-defined]


def test_a_redirect_for_another_attempt_or_a_denial_is_refused(cc: CcEmulator) -> None:
    pending = oauth.begin(cc.config())
    with pytest.raises(UserError, match="state differs"):
        oauth.code_from_redirect(pending, "http://127.0.0.1:53682/callback?code=x&state=other")
    with pytest.raises(NotConnectedError, match="the user denied access"):
        oauth.code_from_redirect(
            pending,
            "http://127.0.0.1:53682/callback?error=access_denied"
            "&error_description=the+user+denied+access",
        )


@pytest.fixture
def cc_emulator_config() -> EmulatorConfig:
    return EmulatorConfig(
        auto_approve=True, testing_controls=True, access_token_seconds=2, clients=(SECRET_CLIENT,)
    )


def test_a_token_close_to_expiry_is_refreshed_before_it_is_used(cc: CcEmulator) -> None:
    client = cc.client()
    client.account_summary()
    # counted from here: on a slow machine the first call may already have met the last
    # tenth of the login's token and refreshed it
    before = client.session.auth.refreshes
    time.sleep(1.9)  # within the last tenth of a 2-second lifetime
    client.account_summary()
    assert client.session.auth.refreshes == before + 1
    assert 401 not in cc.recorder.statuses()


def test_a_401_triggers_one_refresh_and_the_request_is_repeated(cc: CcEmulator) -> None:
    good = cc.login(cc.config())
    stale = replace(good, access_token="revoked-or-unknown", expires_at=good.expires_at)
    vault = MemoryVault(stale)
    client = cc.client(vault)
    assert client.account_summary().organization_name
    assert cc.recorder.statuses("/account/summary") == [401, 200]
    assert vault.tokens is not None
    assert vault.tokens.refresh_token != good.refresh_token


def test_rotation_never_reuses_a_refresh_token_and_the_emulator_refuses_reuse(
    cc: CcEmulator,
) -> None:
    vault = MemoryVault(cc.login(cc.config()))
    client = cc.client(vault)
    first = vault.tokens
    assert first is not None
    for _ in range(3):
        assert vault.tokens is not None
        vault.tokens = replace(vault.tokens, expires_at=datetime.now(UTC))  # due now
        client.session.auth._tokens = vault.tokens
        client.account_summary()
    sent = cc.recorder.refresh_tokens_sent
    assert len(sent) == 3
    assert len(set(sent)) == 3
    reuse = token_request(cc.config(), grant_type="refresh_token", refresh_token=sent[0])
    with httpx.Client() as http:
        answer = http.send(reuse)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_threads_sharing_an_expired_token_refresh_it_once(cc: CcEmulator) -> None:
    vault = MemoryVault(cc.login(cc.config()))
    assert vault.tokens is not None
    vault.tokens = replace(vault.tokens, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    client = cc.client(vault)
    failures: list[BaseException] = []

    def call() -> None:
        try:
            client.account_summary()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert client.session.auth.refreshes == 1
    assert len(cc.recorder.refresh_tokens_sent) == 1


def test_a_refused_refresh_marks_the_connection_and_says_reconnect_needed(
    cc: CcEmulator,
) -> None:
    vault = MemoryVault(cc.login(cc.config()))
    client = cc.client(vault)
    client.account_summary()
    cc.faults(revoke_tokens=True)
    with pytest.raises(NotConnectedError, match="reconnect needed") as caught:
        client.account_summary()
    assert vault.reconnect_reason is not None
    assert "invalid_grant" in vault.reconnect_reason
    for token in cc.issued_tokens():
        assert token not in str(caught.value)
