"""A refresh token that dies for lack of use: warned about before it happens, and caught
when the emulator (short-lived tokens here) finally refuses it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import Cli
from tests.constant_contact.conftest import SECRET_CLIENT, CcEmulator
from tests.constant_contact.test_connection import connect
from tests.constant_contact.test_health import body_of, connected
from tests.support.smtp import Mailbox, smtp_server

from listbridge.config import ProcessConfig, parse_duration
from listbridge.core.errors import UserError
from listbridge.core.tokens import AccountIdentity, IdlePolicy, OAuthApp, TokenSet
from listbridge.emulator.config import EmulatorConfig
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.health import claim_notice, release_notice, schedule_pause
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import save_connection
from listbridge.sync.health import check_idle_expiry, reconnect_command

ACCESS_SECONDS, REFRESH_SECONDS = 2, 4


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with smtp_server() as box:
        monkeypatch.setenv("LISTBRIDGE_SMTP_URL", box.url)
        yield box


@pytest.fixture
def cc_emulator_config() -> EmulatorConfig:
    return EmulatorConfig(
        auto_approve=True,
        testing_controls=True,
        clients=(SECRET_CLIENT,),
        access_token_seconds=ACCESS_SECONDS,
        refresh_token_seconds=REFRESH_SECONDS,
    )


def test_a_refresh_token_near_its_idle_expiry_marks_and_mails_before_it_dies(
    wired: CcEmulator, cli: Cli, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Assume what the emulator does (4 s), and warn 3.5 s ahead: near after half a second.
    monkeypatch.setenv("LISTBRIDGE_REFRESH_IDLE_EXPIRY", f"{REFRESH_SECONDS}s")
    monkeypatch.setenv("LISTBRIDGE_REFRESH_IDLE_WARNING", "3.5s")
    connected(cli, wired)
    time.sleep(0.6)
    answers = [cli("status"), cli("status", "--json"), cli("status")]
    for answer in answers:
        assert answer.exit_code == 4
        assert "expires for lack of use" in answer.stderr
    shown = json.loads(answers[1].stdout)
    assert shown["health"] == "needs reconnect"
    assert shown["schedules_paused"] is True
    assert "expires for lack of use" in shown["schedules_paused_reason"]
    expiry = datetime.fromisoformat(shown["refresh_token_idle_expires_at"])
    assert expiry > datetime.fromisoformat(shown["health_since"])
    assert len(mailbox.messages) == 1
    body = body_of(mailbox.messages[0])
    assert "expires for lack of use" in body
    assert "listbridge --connection default connect --client-id listbridge" in body
    connect(cli, wired)  # reconnecting in time ends the episode
    fresh = json.loads(cli("status", "--json", "--offline").stdout)
    assert fresh["health"] == "ok"
    assert fresh["schedules_paused"] is False


def test_a_refresh_token_that_expired_is_refused_marked_and_mailed_once(
    wired: CcEmulator, cli: Cli, mailbox: Mailbox
) -> None:
    """Nothing used the connection for longer than the emulator keeps a refresh token."""
    connected(cli, wired)
    time.sleep(REFRESH_SECONDS + 0.5)
    for _ in range(3):
        answer = cli("status")
        assert answer.exit_code == 4
        assert "invalid_grant" in answer.stderr
    assert len(mailbox.messages) == 1
    assert "invalid_grant" in body_of(mailbox.messages[0])


def _save(store: Store, obtained: datetime, secret: str | None = None) -> int:
    cid = connection_id(store, "default")
    app = OAuthApp("app", "https://api.example/v3", "https://auth.example/v1", "http://x/", secret)
    tokens = TokenSet("access-x", "refresh-x", obtained, obtained + timedelta(hours=24))
    save_connection(store, cid, secret_box(store), app, tokens, AccountIdentity())
    return cid


def test_the_default_policy_warns_two_weeks_before_180_idle_days(store: Store) -> None:
    obtained = datetime(2026, 1, 1, tzinfo=UTC)
    cid = _save(store, obtained)
    assert not check_idle_expiry(store, cid, obtained + timedelta(days=165))
    assert schedule_pause(store, cid) is None
    assert check_idle_expiry(store, cid, obtained + timedelta(days=166, minutes=1))
    assert not check_idle_expiry(store, cid, obtained + timedelta(days=170))  # same episode
    pause = schedule_pause(store, cid)
    assert pause is not None
    assert "2026-06-30T00:00:00+00:00" in pause.reason  # 180 days after the last refresh
    assert pause.since == obtained + timedelta(days=166, minutes=1)


def test_a_notice_is_claimed_once_per_episode_and_can_be_given_back(store: Store) -> None:
    obtained = datetime(2026, 1, 1, tzinfo=UTC)
    cid = _save(store, obtained)
    now = obtained + timedelta(days=1)
    assert not claim_notice(store, cid, now)  # healthy: nothing to tell
    assert check_idle_expiry(store, cid, obtained + timedelta(days=179))
    assert claim_notice(store, cid, now)
    assert not claim_notice(store, cid, now)
    release_notice(store, cid)  # the SMTP server refused it
    assert claim_notice(store, cid, now)
    _save(store, now)  # a reconnect: a new episode may be told again
    assert schedule_pause(store, cid) is None
    assert check_idle_expiry(store, cid, now + timedelta(days=170))
    assert claim_notice(store, cid, now)


def test_policy_and_durations() -> None:
    policy = IdlePolicy()
    last = datetime(2026, 1, 1, tzinfo=UTC)
    assert policy.expires_at(last) == last + timedelta(days=180)
    assert not policy.near(last, last + timedelta(days=165, hours=23))
    assert policy.near(last, last + timedelta(days=166))
    assert parse_duration("14d", "X") == timedelta(days=14)
    assert parse_duration("36h", "X") == timedelta(hours=36)
    assert parse_duration("1.5s", "X") == timedelta(seconds=1.5)
    assert parse_duration("7", "X") == timedelta(days=7)
    with pytest.raises(UserError, match="must look like 14d"):
        parse_duration("two weeks", "X")
    configured = ProcessConfig.from_environ({"LISTBRIDGE_REFRESH_IDLE_WARNING": "30d"})
    assert configured.idle_policy == IdlePolicy(timedelta(days=180), timedelta(days=30))


def test_the_reconnect_command_names_the_connection_but_never_the_secret() -> None:
    app = OAuthApp(
        "cid", "https://api.cc.email/v3", "https://authz.constantcontact.com/oauth2/default/v1",
        "http://127.0.0.1:53682/callback", "very-secret",
    )  # fmt: skip
    command = reconnect_command("north branch", app)
    assert command == (
        "listbridge --connection 'north branch' connect --client-id cid "
        "--client-secret YOUR_CLIENT_SECRET"
    )
    assert "very-secret" not in command
