"""Connection health, wired: the idle-expiry check, and the one e-mail per episode.

The client reports a lost authorisation through its ``TokenVault`` port; here that
report also e-mails ``notify.email`` (``NotifyingVault``). A refresh token about to
die for lack of use is caught before any call is made (``check_idle_expiry``), since
the token endpoint never says when that will happen.

LISTBRIDGE_REFRESH_IDLE_EXPIRY / LISTBRIDGE_REFRESH_IDLE_WARNING (``180d``, ``14d``,
``36h``, ``90s``…; ``store.config.idle_policy``) change the lifetime assumed and how early
to warn: the real service lets an unused refresh token live 180 days; an emulator can be
told otherwise.
"""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import UTC, datetime

from listbridge.constant_contact.config import API_BASE, AUTH_BASE, DEFAULT_REDIRECT
from listbridge.core.errors import UserError
from listbridge.core.settings import NOTIFY_EMAIL
from listbridge.core.tokens import Health, IdlePolicy, OAuthApp, idle_expiry_message
from listbridge.notify.email import send_email
from listbridge.store.db import Store
from listbridge.store.health import claim_notice, release_notice, schedule_pause
from listbridge.store.models import Connection
from listbridge.store.secretbox import SecretBox
from listbridge.store.settings import effective_settings
from listbridge.store.tokens import (
    StoredTokens,
    load_connection,
    mark_needs_reconnect,
    token_age,
)

log = logging.getLogger(__name__)


def check_idle_expiry(
    store: Store, connection_id: int, now: datetime, policy: IdlePolicy | None = None
) -> bool:
    """Mark the connection when its refresh token nears its idle expiry; True if marked now."""
    policy = policy or store.config.idle_policy
    healthy, obtained = token_age(store, connection_id)  # a reused authorisation's too
    if not healthy or obtained is None or not policy.near(obtained, now):
        return False
    reason = idle_expiry_message(policy.expires_at(obtained))
    return mark_needs_reconnect(store, connection_id, reason, now)


def review_health(store: Store, connection_id: int, box: SecretBox, now: datetime) -> None:
    """Before a command uses the connection: catch a dying refresh token, and tell the
    administrator about an episode nobody has been told of yet (say the SMTP server was
    down when it began)."""
    check_idle_expiry(store, connection_id, now)
    notify_needs_reconnect(store, connection_id, box)


def notify_needs_reconnect(store: Store, connection_id: int, box: SecretBox) -> bool:
    """E-mail ``notify.email`` about the current episode, once; True when sent now."""
    if schedule_pause(store, connection_id) is None:
        return False  # healthy: the common case costs one read
    to = effective_settings(store, connection_id).get(NOTIFY_EMAIL)
    if not to or not claim_notice(store, connection_id, datetime.now(UTC)):
        return False  # nobody to tell, or already told (by this command or another)
    sent = False
    try:
        sent = _send_notice(store, connection_id, box, to)
    except (OSError, smtplib.SMTPException, UserError) as error:
        log.warning("could not e-mail %s about a connection to reconnect: %s", to, error)
    finally:
        if not sent:
            release_notice(store, connection_id)  # the next failing command tries again
    return sent


def _send_notice(store: Store, connection_id: int, box: SecretBox, to: str) -> bool:
    record = load_connection(store, connection_id, box)
    if record is None:
        return False
    name = _connection_name(store, connection_id)
    subject = f"listbridge: connection {name!r} needs reconnecting to Constant Contact"
    body = notice_body(name, record.health_reason, record.health_at, record.app)
    if record.tokens_of is not None:  # `connect --reuse`: reconnecting the holder renews both
        holder = _connection_name(store, record.tokens_of)
        body = body.replace(reconnect_command(name, record.app), _holder_hint(holder, record.app))
    return send_email(store.config, to, subject, body)


def notice_body(name: str, reason: str, since: datetime | None, app: OAuthApp) -> str:
    when = since.isoformat(timespec="seconds") if since else "just now"
    return (
        f"listbridge can no longer work with Constant Contact for connection {name!r}.\n\n"
        f"What happened (since {when}):\n  {reason}\n\n"
        "Its scheduled jobs are paused until it is reconnected; nothing already synced is "
        "lost, and an interrupted job resumes where it stopped.\n\n"
        "What to do: sign in to Constant Contact as the account owner and run\n\n"
        f"  {reconnect_command(name, app)}\n\n"
        "Then check it with:\n\n"
        f"  listbridge --connection {_quoted(name)} status\n"
    )


def reconnect_command(name: str, app: OAuthApp) -> str:
    """The exact ``connect`` that re-authorises this connection; never the secret itself."""
    parts = ["listbridge", "--connection", _quoted(name), "connect", "--client-id", app.client_id]
    if app.client_secret:
        parts += ["--client-secret", "YOUR_CLIENT_SECRET"]
    if app.api_base != API_BASE:
        parts += ["--api-base", app.api_base]
    if app.auth_base != AUTH_BASE:
        parts += ["--auth-base", app.auth_base]
    if app.redirect_uri != DEFAULT_REDIRECT:
        parts += ["--redirect-uri", app.redirect_uri]
    return " ".join(parts)


def reconnect_hint(store: Store, connection_id: int, box: SecretBox) -> str:
    """The ``connect`` command for a connection that needs it; empty otherwise."""
    record = load_connection(store, connection_id, box)
    if record is None or record.health is not Health.NEEDS_RECONNECT:
        return ""
    if record.tokens_of is not None:  # `connect --reuse`: reconnecting the holder renews both
        return _holder_hint(_connection_name(store, record.tokens_of), record.app)
    return reconnect_command(_connection_name(store, connection_id), record.app)


def _holder_hint(holder: str, app: OAuthApp) -> str:
    return f"{reconnect_command(holder, app)} (this connection reuses its authorisation)"


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[\w.-]+", name) else "'" + name.replace("'", "'\\''") + "'"


def _connection_name(store: Store, connection_id: int) -> str:
    with store.session() as session:
        row = session.get(Connection, connection_id)
        return row.name if row is not None else str(connection_id)


class NotifyingVault(StoredTokens):
    """The store's vault; a lost authorisation is also e-mailed (once per episode)."""

    def mark_needs_reconnect(self, reason: str) -> None:
        super().mark_needs_reconnect(reason)
        notify_needs_reconnect(self.store, self.connection_id, self.box)
