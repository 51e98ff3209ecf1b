"""Completion e-mails go out through a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.smtp import Mailbox, smtp_server

from listbridge.config import ProcessConfig
from listbridge.core.errors import UserError
from listbridge.notify.email import SmtpServer, send_email


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def test_a_message_reaches_the_server_with_subject_and_body(mailbox: Mailbox) -> None:
    config = ProcessConfig(smtp_url=mailbox.url, smtp_from="sync@example.org")
    assert send_email(config, "admin@example.org", "Import finished", "created 3\nmatched 4\n")
    [message] = mailbox.messages
    assert message["To"] == "admin@example.org"
    assert message["From"] == "sync@example.org"
    assert message["Subject"] == "Import finished"
    assert "matched 4" in message.get_payload()


def test_without_a_server_nothing_is_sent() -> None:
    assert send_email(ProcessConfig(), "admin@example.org", "x", "y") is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", SmtpServer("127.0.0.1", 1025, False)),
        ("smtps://mail.example.org", SmtpServer("mail.example.org", 465, True)),
        (
            "smtp://me%40x.org:p%3Ass@mail.example.org",
            SmtpServer("mail.example.org", 25, False, "me@x.org", "p:ss"),
        ),
    ],
)
def test_server_urls(url: str, expected: SmtpServer) -> None:
    assert SmtpServer.from_url(url) == expected


def test_a_bad_url_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="LISTBRIDGE_SMTP_URL must look like smtp://host:port"):
        SmtpServer.from_url("http://mail.example.org")
