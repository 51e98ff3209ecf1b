"""Completion and health e-mails, sent through the SMTP server the admin names.

LISTBRIDGE_SMTP_URL: smtp://[user:password@]host[:port] (plain or STARTTLS when the
server offers it), or smtps://… for TLS from the start. From: LISTBRIDGE_SMTP_FROM,
else listbridge@<hostname>.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from listbridge.core.errors import UserError

URL_ENV = "LISTBRIDGE_SMTP_URL"
FROM_ENV = "LISTBRIDGE_SMTP_FROM"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise UserError(f"{URL_ENV} must look like smtp://host:port or smtps://host:port")
        tls = parts.scheme == "smtps"
        return cls(
            parts.hostname,
            parts.port or (465 if tls else 25),
            tls,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
        )


def configured_server() -> SmtpServer | None:
    url = os.environ.get(URL_ENV, "")
    return SmtpServer.from_url(url) if url else None


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = os.environ.get(FROM_ENV) or f"listbridge@{socket.getfqdn()}"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_email(to: str, subject: str, body: str, server: SmtpServer | None = None) -> bool:
    """Send one message; False when no SMTP server is configured (nothing to do)."""
    server = server or configured_server()
    if server is None:
        return False
    message = build_message(to, subject, body)
    if server.tls:
        with smtplib.SMTP_SSL(server.host, server.port, timeout=30) as smtp:
            _login_and_send(smtp, server, message)
        return True
    with smtplib.SMTP(server.host, server.port, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
        _login_and_send(smtp, server, message)
    return True


def _login_and_send(smtp: smtplib.SMTP, server: SmtpServer, message: EmailMessage) -> None:
    if server.username:
        smtp.login(server.username, server.password)
    smtp.send_message(message)
