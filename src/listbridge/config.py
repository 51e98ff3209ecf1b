"""Process configuration: every ``LISTBRIDGE_*`` environment variable, read once.

Where it comes from: the process's environment, read by ``process_config()`` at an entry
point (the CLI's root callback; a script or test that opens a store without passing one).
Where it goes: the ``Store`` holds it (``store.config``) and the CLI's context, and the
lock, the secret box, the e-mail, the health checks and the CLI read their variables from
there. No other module reads ``os.environ``.

Each field names its variable, its default and its meaning: a new variable is one field.
The README's table is checked against them (tests/unit/test_process_config.py);
``python -m listbridge.config`` prints it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from listbridge.core.errors import UserError
from listbridge.core.locks import DEFAULT_TTL
from listbridge.core.tokens import REFRESH_IDLE_EXPIRY, REFRESH_IDLE_WARNING, IdlePolicy
from listbridge.crash_points import CrashAt, parse_crash_at

DATABASE_URL_ENV = "LISTBRIDGE_DATABASE_URL"
SECRET_KEY_ENV = "LISTBRIDGE_SECRET_KEY"
NEW_SECRET_KEY_ENV = "LISTBRIDGE_NEW_SECRET_KEY"
KEY_FILE_ENV = "LISTBRIDGE_KEY_FILE"
LOCK_TTL_ENV = "LISTBRIDGE_LOCK_TTL_SECONDS"
SMTP_URL_ENV = "LISTBRIDGE_SMTP_URL"
SMTP_FROM_ENV = "LISTBRIDGE_SMTP_FROM"
REFRESH_IDLE_EXPIRY_ENV = "LISTBRIDGE_REFRESH_IDLE_EXPIRY"
REFRESH_IDLE_WARNING_ENV = "LISTBRIDGE_REFRESH_IDLE_WARNING"
DEBUG_ENV = "LISTBRIDGE_DEBUG"
CC_CLIENT_ID_ENV = "LISTBRIDGE_CC_CLIENT_ID"
CC_CLIENT_SECRET_ENV = "LISTBRIDGE_CC_CLIENT_SECRET"
BROKER_URL_ENV = "LISTBRIDGE_BROKER_URL"
RATE_LIMIT_URL_ENV = "LISTBRIDGE_RATE_LIMIT_URL"
BROKER_VISIBILITY_ENV = "LISTBRIDGE_BROKER_VISIBILITY_SECONDS"
TEST_CRASH_AT_ENV = "LISTBRIDGE_TEST_CRASH_AT"

DEFAULT_DATABASE_URL = "sqlite:///./listbridge.db"
DEFAULT_BROKER_VISIBILITY = timedelta(hours=1)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, variable: str) -> timedelta:
    """``14d`` → 14 days; a bare number is days."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not found:
        raise UserError(f"{variable} must look like 14d, 36h, 30m or 90s, got {text!r}")
    return timedelta(**{_UNITS[found[2] or "d"]: float(found[1])})


def parse_seconds(text: str, variable: str) -> timedelta:
    """A lock lease: a number of seconds from 0.05 (tests) to a day."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0.05 <= seconds <= 86_400:
        raise UserError(f"{variable}={text!r} is not a number of seconds from 0.05 to 86400")
    return timedelta(seconds=seconds)


def _text(text: str, _variable: str) -> str:
    return text


def _keys(text: str, _variable: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in text.split(",") if key.strip())


def _path(text: str, _variable: str) -> Path:
    return Path(text)


def _on(_text: str, _variable: str) -> bool:
    return True


@dataclass(frozen=True)
class Variable:
    """One environment variable: how its text is read, and what the README says of it."""

    name: str
    parse: Callable[[str, str], object]
    #: the default as the README shows it
    default: str
    meaning: str


def _variable(
    name: str, shown: str, meaning: str, parse: Callable[[str, str], object] = _text
) -> Mapping[str, Variable]:
    """A field's metadata: the variable it is read from (``shown`` is its default)."""
    return {"variable": Variable(name, parse, shown, meaning)}


@dataclass(frozen=True)
class ProcessConfig:
    """What the environment says to this process; the defaults when it says nothing.

    A field holding a secret (or a URL that may hold a password) stays out of the repr."""

    database_url: str = field(
        default=DEFAULT_DATABASE_URL,
        repr=False,
        metadata=_variable(
            DATABASE_URL_ENV,
            f"`{DEFAULT_DATABASE_URL}`",
            "The state store when `--db` is not given: `sqlite:///PATH` or "
            "`postgresql://USER@HOST/DB`.",
        ),
    )
    secret_keys: tuple[str, ...] = field(
        default=(),
        repr=False,
        metadata=_variable(
            SECRET_KEY_ENV,
            "unset: a key file",
            "Fernet keys that encrypt stored tokens and client secrets, comma-separated, "
            "newest first (the older ones still decrypt, for a change-over).",
            _keys,
        ),
    )
    new_secret_key: str = field(
        default="",
        repr=False,
        metadata=_variable(
            NEW_SECRET_KEY_ENV,
            "unset",
            f"With `{SECRET_KEY_ENV}` set, the key `secrets rotate` re-encrypts under; make "
            f"it `{SECRET_KEY_ENV}` afterwards.",
        ),
    )
    key_file: Path | None = field(
        default=None,
        metadata=_variable(
            KEY_FILE_ENV,
            "`<database>.key` beside a SQLite file, else `~/.config/listbridge/secret.key`",
            f"The key file used without `{SECRET_KEY_ENV}`; created with mode 0600 on first use.",
            _path,
        ),
    )
    lock_ttl: timedelta = field(
        default=DEFAULT_TTL,
        metadata=_variable(
            LOCK_TTL_ENV,
            f"`{DEFAULT_TTL.total_seconds():g}`",
            "Seconds a job's lock outlives its last heartbeat (0.05 to 86400): how long a "
            "holder killed on another machine keeps the connection.",
            parse_seconds,
        ),
    )
    smtp_url: str = field(
        default="",
        repr=False,
        metadata=_variable(
            SMTP_URL_ENV,
            "unset: no e-mail",
            "Where completion and reconnect e-mails go: `smtp://[user:password@]host[:port]` "
            "(STARTTLS when the server offers it) or `smtps://…`.",
        ),
    )
    smtp_from: str = field(
        default="",
        metadata=_variable(
            SMTP_FROM_ENV, "`listbridge@<hostname>`", "The From: address of those e-mails."
        ),
    )
    refresh_idle_expiry: timedelta = field(
        default=REFRESH_IDLE_EXPIRY,
        metadata=_variable(
            REFRESH_IDLE_EXPIRY_ENV,
            f"`{REFRESH_IDLE_EXPIRY.days}d`",
            "How long Constant Contact keeps a refresh token nobody uses (`14d`, `36h`, "
            "`30m`, `90s`; a bare number is days).",
            parse_duration,
        ),
    )
    refresh_idle_warning: timedelta = field(
        default=REFRESH_IDLE_WARNING,
        metadata=_variable(
            REFRESH_IDLE_WARNING_ENV,
            f"`{REFRESH_IDLE_WARNING.days}d`",
            "How long before that expiry the connection is marked for reconnecting (its "
            "schedules pause) and `notify.email` is told.",
            parse_duration,
        ),
    )
    debug: bool = field(
        default=False,
        metadata=_variable(
            DEBUG_ENV, "unset", "Any value: an unexpected failure prints its traceback.", _on
        ),
    )
    cc_client_id: str = field(
        default="",
        metadata=_variable(
            CC_CLIENT_ID_ENV, "unset", "`connect --client-id` when the option is not given."
        ),
    )
    cc_client_secret: str = field(
        default="",
        repr=False,
        metadata=_variable(
            CC_CLIENT_SECRET_ENV,
            "unset",
            "`connect --client-secret` when the option is not given.",
        ),
    )

    broker_url: str = field(
        default="",
        repr=False,
        metadata=_variable(
            BROKER_URL_ENV,
            "unset: jobs run in the process that starts them",
            "The Celery broker of `listbridge worker` and `scheduler --celery` (e.g. "
            "`redis://127.0.0.1:6379/0`); set for `serve` too, and its buttons enqueue to "
            "the workers.",
        ),
    )
    broker_visibility: timedelta = field(
        default=DEFAULT_BROKER_VISIBILITY,
        metadata=_variable(
            BROKER_VISIBILITY_ENV,
            f"`{DEFAULT_BROKER_VISIBILITY.total_seconds():g}`",
            "Seconds a Redis broker waits for a worker to finish a job before handing it to "
            "another worker (0.05 to 86400): how soon the job of a worker killed mid-way is "
            "resumed elsewhere. Longer than your longest job, or that job is delivered twice "
            "(the connection's lock turns the second away).",
            parse_seconds,
        ),
    )
    rate_limit_url: str = field(
        default="",
        repr=False,
        metadata=_variable(
            RATE_LIMIT_URL_ENV,
            f"the broker's when `{BROKER_URL_ENV}` is `redis://…`, else unset: per process",
            "A Redis URL where every process counts each Constant Contact account's requests "
            "(4 a second) together, so that many workers never send more than it allows.",
        ),
    )
    crash_at: CrashAt | None = field(
        default=None,
        metadata=_variable(
            TEST_CRASH_AT_ENV,
            "unset",
            "Tests only: `POINT:N` kills the process (SIGKILL) the Nth time it passes POINT "
            "(`request`, `token_refreshed`, `commit`, `crm_commit`, `push_imported`; see "
            "`src/listbridge/crash_points.py`).",
            parse_crash_at,
        ),
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ProcessConfig:
        """The configuration ``environ`` gives; an unset or blank variable keeps its default.

        A malformed value is a UserError naming the variable (exit 2, before any command)."""
        given: dict[str, Any] = {}
        for spec in fields(cls):
            variable = variable_of(spec)
            text = environ.get(variable.name, "").strip()
            if text:
                given[spec.name] = variable.parse(text, variable.name)
        return replace(cls(), **given)

    @property
    def idle_policy(self) -> IdlePolicy:
        return IdlePolicy(self.refresh_idle_expiry, self.refresh_idle_warning)


def variable_of(spec: Field[Any]) -> Variable:
    found = spec.metadata["variable"]
    assert isinstance(found, Variable)
    return found


def variables() -> tuple[Variable, ...]:
    """Every variable, in the order of the fields."""
    return tuple(variable_of(spec) for spec in fields(ProcessConfig))


def process_config() -> ProcessConfig:
    """This process's configuration: its environment, read now. Call it once, where the
    process starts (the CLI's root callback), and pass the result on."""
    return ProcessConfig.from_environ(os.environ)


def environment_table() -> str:
    """The README's table of variables (Markdown)."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    rows += [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in variables()]
    return "\n".join(rows)


if __name__ == "__main__":
    print(environment_table())
