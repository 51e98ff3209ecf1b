"""Connection health end to end: a revoked authorisation marks the connection, pauses its
schedules and e-mails ``notify.email`` once per episode; a reconnect ends the episode.

Against the emulator over loopback and a real SMTP server (aiosmtpd), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import Message

import httpx
import pytest
from tests.conftest import Cli
from tests.constant_contact.conftest import SECRET_CLIENT, CcEmulator
from tests.constant_contact.test_connection import connect
from tests.support.smtp import Mailbox, smtp_server

from listbridge.core.errors import NotConnectedError
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.store.health import schedule_pause, schedules_paused
from listbridge.sync import cc_connection
from listbridge.sync.cc_connection import open_client

ADMIN = "admin@example.org"


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with smtp_server() as box:
        monkeypatch.setenv("LISTBRIDGE_SMTP_URL", box.url)
        yield box


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def connected(cli: Cli, cc: CcEmulator) -> None:
    connect(cli, cc)
    assert cli("settings", "set", f"notify.email={ADMIN}").exit_code == 0


def test_revocation_marks_pauses_and_e_mails_once_until_a_reconnect(
    wired: CcEmulator, cli: Cli, db_url: str, mailbox: Mailbox
) -> None:
    connected(cli, wired)
    store = open_store(db_url)
    try:
        cid = connection_id(store, "default")
        client = open_client(store, cid)
        assert not schedules_paused(store, cid)
        wired.faults(revoke_tokens=True)
        with pytest.raises(NotConnectedError, match="reconnect needed"):
            client.account_summary()  # mid-job: the refresh is refused (invalid_grant)
        client.close()
        outputs = [cli("status"), cli("status", "--json"), cli("status")]
        with pytest.raises(NotConnectedError, match="reconnect needed"):
            open_client(store, cid)
        pause = schedule_pause(store, cid)
    finally:
        store.close()
    for answer in outputs:
        assert answer.exit_code == 4
        assert "reconnect needed" in answer.stderr
    assert pause is not None
    assert "invalid_grant" in pause.reason
    assert pause.since is not None
    assert len(mailbox.messages) == 1  # one episode, one e-mail, however many failures
    message = mailbox.messages[0]
    assert message["To"] == ADMIN
    assert "'default' needs reconnecting" in message["Subject"]
    body = body_of(message)
    assert "invalid_grant" in body
    root = wired.base_url
    assert (
        f"listbridge --connection default connect --client-id listbridge --api-base {root}/v3 "
        f"--auth-base {root}/oauth2/default/v1"
    ) in body
    shown = json.loads(outputs[1].stdout)
    assert shown["health"] == "needs reconnect"
    assert "invalid_grant" in shown["reason"]
    assert shown["health_since"] is not None
    assert shown["schedules_paused"] is True
    assert "invalid_grant" in shown["schedules_paused_reason"]
    assert shown["reconnect_notice_sent_at"] is not None
    text = outputs[0].stdout
    assert "connection health: needs reconnect" in text
    assert "since " in text
    assert "schedules paused: yes, until reconnected" in text
    assert "to reconnect: listbridge --connection default connect --client-id listbridge" in text
    assert shown["reconnect_command"].startswith("listbridge --connection default connect")
    secrets = wired.issued_tokens()
    everything = body + "".join(a.output for a in outputs)
    assert not [s for s in secrets if s in everything]


def test_a_reconnect_ends_the_episode_and_the_next_one_mails_again(
    wired: CcEmulator, cli: Cli, mailbox: Mailbox
) -> None:
    connected(cli, wired)
    wired.faults(revoke_tokens=True)
    assert cli("status").exit_code == 4
    assert cli("status").exit_code == 4
    assert len(mailbox.messages) == 1
    connect(cli, wired)
    healthy = cli("status", "--json")
    assert healthy.exit_code == 0, healthy.output
    shown = json.loads(healthy.stdout)
    assert shown["health"] == "ok"
    assert shown["schedules_paused"] is False
    assert shown["schedules_paused_reason"] == ""
    assert shown["reconnect_notice_sent_at"] is None
    assert shown["reconnect_command"] == ""
    assert "schedules paused: no" in cli("status").stdout
    wired.faults(revoke_tokens=True)
    assert cli("status").exit_code == 4
    assert cli("status").exit_code == 4
    assert len(mailbox.messages) == 2


def test_status_shows_health_budget_and_expiry_and_never_a_secret(
    wired: CcEmulator, cli: Cli
) -> None:
    connect(cli, wired)
    answer = cli("status", "--json")
    assert answer.exit_code == 0, answer.output
    shown = json.loads(answer.stdout)
    assert shown["health"] == "ok"
    assert shown["schedules_paused"] is False
    assert shown["refresh_token_idle_expires_at"] is not None
    assert shown["budget_used_today"] + shown["budget_left_today"] == 10_000
    assert shown["token_age_seconds"] >= 0
    text = cli("status")
    assert "refresh token expires if unused until:" in text.stdout
    assert "API budget today:" in text.stdout
    secrets = wired.issued_tokens()
    assert secrets
    assert not [s for s in secrets if s in answer.output + text.output]


def test_without_an_smtp_server_the_notice_waits_for_one(
    wired: CcEmulator, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An e-mail that could not go out is not counted as sent: the next failure retries."""
    connected(cli, wired)
    monkeypatch.delenv("LISTBRIDGE_SMTP_URL", raising=False)
    wired.faults(revoke_tokens=True)
    assert cli("status").exit_code == 4  # no SMTP server configured
    with smtp_server() as gone:
        closed = gone.url
    monkeypatch.setenv("LISTBRIDGE_SMTP_URL", closed)
    unreachable = cli("status")  # configured, but nothing listens there
    assert unreachable.exit_code == 4, unreachable.output
    offline = json.loads(cli("status", "--json", "--offline").stdout)
    assert offline["reconnect_notice_sent_at"] is None
    with smtp_server() as box:
        monkeypatch.setenv("LISTBRIDGE_SMTP_URL", box.url)
        assert cli("status").exit_code == 4
        assert cli("status").exit_code == 4
    assert len(box.messages) == 1


class RefusingApi(httpx.BaseTransport):
    """The real emulator, except that every API call arrives with a token it never issued,
    so it answers 401 even right after a successful refresh: the one failure shape the
    emulator has no control for."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v3/"):
            request.headers["authorization"] = "Bearer not-a-token-the-emulator-issued"
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_repeated_401s_mark_the_connection_and_mail_once(
    wired: CcEmulator, cli: Cli, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(cli, wired)
    transport = RefusingApi()
    refusing = {**cc_connection.CLIENT_OPTIONS, "transport": transport}
    monkeypatch.setattr(cc_connection, "CLIENT_OPTIONS", refusing)
    try:
        answers = [cli("status") for _ in range(3)]
    finally:
        transport.close()
    for answer in answers:
        assert answer.exit_code == 4, answer.output
        assert "refused a freshly refreshed access token" in answer.stderr
    assert len(mailbox.messages) == 1
    assert "refused a freshly refreshed access token" in body_of(mailbox.messages[0])
    shown = json.loads(cli("status", "--json", "--offline").stdout)
    assert shown["schedules_paused"] is True


def test_a_confidential_client_s_secret_is_never_in_the_notice_or_the_status(
    wired: CcEmulator, cli: Cli, mailbox: Mailbox
) -> None:
    connect(
        cli,
        wired,
        "--client-id",
        SECRET_CLIENT.client_id,
        "--client-secret",
        SECRET_CLIENT.client_secret,
    )
    assert cli("settings", "set", f"notify.email={ADMIN}").exit_code == 0
    wired.faults(revoke_tokens=True)
    answers = [cli("status"), cli("status", "--json"), cli("status", "--offline")]
    assert [a.exit_code for a in answers] == [4, 4, 4]
    assert len(mailbox.messages) == 1
    body = body_of(mailbox.messages[0])
    assert f"--client-id {SECRET_CLIENT.client_id} --client-secret YOUR_CLIENT_SECRET" in body
    secrets = [*wired.issued_tokens(), SECRET_CLIENT.client_secret]
    everything = body + str(mailbox.messages[0]) + "".join(a.output for a in answers)
    assert not [s for s in secrets if s in everything]
