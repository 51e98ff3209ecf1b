"""Completion and health e-mails, sent through the SMTP server the admin names.

LISTBRIDGE_SMTP_URL (``config.smtp_url``): smtp://[user:password@]host[:port] (plain or
STARTTLS when the server offers it), or smtps://… for TLS from the start. From:
LISTBRIDGE_SMTP_FROM (``config.smtp_from``), else listbridge@<hostname>.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from listbridge.config import SMTP_URL_ENV, ProcessConfig
from listbridge.core.errors import UserError


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
            raise UserError(f"{SMTP_URL_ENV} must look like smtp://host:port or smtps://host:port")
        tls = parts.scheme == "smtps"
        return cls(
            parts.hostname,
            parts.port or (465 if tls else 25),
            tls,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
        )


def configured_server(config: ProcessConfig) -> SmtpServer | None:
    return SmtpServer.from_url(config.smtp_url) if config.smtp_url else None


def build_message(config: ProcessConfig, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.smtp_from or f"listbridge@{socket.getfqdn()}"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_email(config: ProcessConfig, to: str, subject: str, body: str) -> bool:
    """Send one message; False when no SMTP server is configured (nothing to do)."""
    server = configured_server(config)
    if server is None:
        return False
    message = build_message(config, to, subject, body)
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
