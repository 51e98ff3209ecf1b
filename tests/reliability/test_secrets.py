"""Secrets stay secret (design.md, rule 5), proven after a whole session of real use.

The CLI is driven against the emulator as an administrator would (load the CRM, connect a
confidential client, import, push, lists, stats, unsubscribes, status, an expired token
refreshed, a wrong client secret, a revoked authorisation), with every logger at DEBUG into
a file. Then every access and refresh token the emulator ever issued, the client secret,
the wrong secret typed and the encryption key are looked for in every CLI output, the log
and the database: the SQLite file with its WAL byte for byte, and every value of every
table on both backends. `secrets rotate` is then checked end to end: the jobs go on, and no
ciphertext the old key opens is left anywhere in the database.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from tests.conftest import Cli
from tests.constant_contact.conftest import (  # noqa: F401 (fixtures)
    SECRET_CLIENT,
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.support.campaigns import send
from typer.testing import Result

from listbridge.store.db import Store, open_store

pytestmark = pytest.mark.db

WRONG_SECRET = "typed-by-mistake-7Qz9wK2pLm"
PEOPLE = """id,type,first_name,last_name,company_name,email,email_opt_out,deceased,city
1,individual,Zoë,Ångström,,zoe@example.org,false,false,Malmö
2,individual,Ravi,Ñúñez,,Shared@Example.org,false,false,Lima
3,individual,Mia,Ñúñez,,shared@example.org ,false,false,Lima
4,individual,Tom,Opted,,tom.opted@example.org,true,false,Leeds
5,individual,Edith,Late,,edith@example.org,false,true,York
6,organization,,,Friends of the Park,info@friends.example.org,false,false,Bath
7,individual,李,小龙,,li@example.org,false,false,香港
8,individual,Ann,O'Neil,,ann@example.org,false,false,Cork
"""
# a Fernet token: version byte 0x80 in url-safe base64, then a timestamp, iv, text, mac
FERNET = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{80,}={0,2}")


@dataclass
class Session:
    """Everything a user saw: each command's stdout and stderr, and the debug log."""

    outputs: list[str] = field(default_factory=list)
    commands: list[tuple[str, ...]] = field(default_factory=list)

    def run(self, cli: Cli, *args: str, expect: int = 0) -> Result:
        result = cli(*args)
        self.outputs += [result.stdout, result.stderr, repr(result.exception)]
        self.commands.append(args)
        assert result.exit_code == expect, (args, result.output)
        return result


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Every logger at DEBUG into a file, for the whole test (httpx and httpcore included)."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
        handler.close()


def _connect(session: Session, cli: Cli, emulator: CcEmulator) -> None:
    session.run(
        cli, "connect", "--emulator", emulator.base_url,
        "--client-id", SECRET_CLIENT.client_id, "--client-secret", SECRET_CLIENT.client_secret,
    )  # fmt: skip


def _use_everything(cli: Cli, emulator: CcEmulator, tmp_path: Path) -> Session:
    """A small organisation's first day, errors included."""
    session, people = Session(), tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    session.run(cli, "crm", "load", str(people))
    _connect(session, cli, emulator)
    emulator.control.post("/seed", json={"contacts": 6, "lists": 2, "seed": 3}).raise_for_status()
    for args in (
        ("import", "--json"), ("push", "--json"), ("push", "--dry-run", "--diff", "--json"),
        ("lists", "create", "Reliability"), ("lists", "add", "Reliability", "--account", "1"),
        ("lists", "sync", "--confirm"), ("lists", "ls", "--json"),
    ):  # fmt: skip
        session.run(cli, *args)
    lists = json.loads(session.run(cli, "lists", "ls", "--json").stdout)
    send(emulator.control, [row["cc_list_id"] for row in lists if row["cc_list_id"]], seed_value=5)
    emulator.expire_access_tokens()  # the next command refreshes, and the refresh token rotates
    for args in (
        ("stats", "pull", "--json"), ("stats", "show"), ("unsubscribes", "sync", "--json"),
        ("status", "--json"), ("status",), ("settings", "show", "--json"),
        ("runs", "ls", "--json"), ("runs", "show", "1", "--json"),
        ("crm", "export", "--format", "json"), ("crm", "show", "1"),
    ):  # fmt: skip
        session.run(cli, *args)
    _failures(session, cli, emulator)
    return session


def _failures(session: Session, cli: Cli, emulator: CcEmulator) -> None:
    """The error paths: a wrong client secret typed, then a revoked authorisation."""
    wrong = session.run(
        cli, "--connection", "typo", "connect", "--emulator", emulator.base_url,
        "--client-id", SECRET_CLIENT.client_id, "--client-secret", WRONG_SECRET, expect=4,
    )  # fmt: skip
    assert "client" in wrong.stderr.lower()
    emulator.faults(revoke_tokens=True)
    revoked = session.run(cli, "push", "--json", expect=4)
    assert "reconnect" in revoked.stderr
    session.run(cli, "status", expect=4)
    session.run(cli, "import", "--json", expect=4)
    emulator.faults(revoke_tokens=False)


def _every_value(store: Store) -> str:
    """Every value of every table, as text (what a SELECT-everything dump shows)."""
    with store.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        rows = [conn.execute(text(f'SELECT * FROM "{t}"')).all() for t in tables]
    return repr(rows)


def _database_bytes(db_url: str) -> bytes:
    """The SQLite database as it lies on disk, with its WAL and shared memory; b'' else."""
    url = make_url(db_url)
    if not url.drivername.startswith("sqlite"):
        return b""
    base = Path(str(url.database))
    files = [base, base.with_name(base.name + "-wal"), base.with_name(base.name + "-shm")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def _found(secrets: dict[str, str], where: dict[str, str | bytes]) -> list[tuple[str, str]]:
    hits = []
    for what, secret in secrets.items():
        for place, content in where.items():
            needle: str | bytes = secret.encode() if isinstance(content, bytes) else secret
            if needle in content:  # type: ignore[operator]
                hits.append((what, place))
    return hits


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The day of use runs on SQLite alone: its file is what can be read byte for byte (the
    rotation test below covers PostgreSQL's values)."""
    return f"sqlite:///{tmp_path / 'listbridge.db'}"


def _secrets(emulator: CcEmulator, key_file: Path) -> dict[str, str]:
    """Every token the emulator issued, the client secrets and the encryption key."""
    body = emulator.control.get("/tokens").json()
    secrets = {f"access token {i}": t for i, t in enumerate(body["access_tokens"])}
    secrets |= {f"refresh token {i}": t for i, t in enumerate(body["refresh_tokens"])}
    secrets |= {"client secret": SECRET_CLIENT.client_secret, "wrong secret": WRONG_SECRET}
    secrets["encryption key"] = key_file.read_text().strip()
    return secrets


def test_no_secret_in_any_output_log_or_database_after_a_day_of_use(
    wired: CcEmulator,  # noqa: F811
    sqlite_url: str,
    debug_log: Path,
    secret_key_file: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    session = _use_everything(Cli(sqlite_url), wired, tmp_path)
    assert len(wired.control.get("/tokens").json()["refresh_tokens"]) >= 2, "no refresh"
    secrets = _secrets(wired, secret_key_file)
    store = open_store(sqlite_url)
    try:
        values = _every_value(store)
    finally:
        store.close()
    log = debug_log.read_text(encoding="utf-8")
    assert "HTTP Request" in log, "the debug log caught nothing: the check would be empty"
    where: dict[str, str | bytes] = {
        "CLI output": "\n".join(session.outputs),
        "debug log": log,
        "table values": values,
        "database file": _database_bytes(sqlite_url),
    }
    assert _found(secrets, where) == []
    assert len(session.commands) == 24  # every command above ran and was looked at


def _fernet_tokens(store: Store, db_url: str) -> set[bytes]:
    """Every Fernet ciphertext anywhere in the database: values and (SQLite) raw bytes,
    free pages and WAL frames included."""
    raw = set(FERNET.findall(_database_bytes(db_url)))
    return raw | set(FERNET.findall(_every_value(store).encode()))


def _opens(key: bytes, tokens: set[bytes]) -> list[bytes]:
    opened = []
    for token in tokens:
        try:
            Fernet(key).decrypt(token)
        except InvalidToken:
            continue
        opened.append(token)
    return opened


def test_rotation_leaves_nothing_the_old_key_opens_and_the_jobs_go_on(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
    db_url: str,
    secret_key_file: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    session, people = Session(), tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    session.run(cli, "crm", "load", str(people))
    _connect(session, cli, wired)
    session.run(cli, "push", "--json")
    wired.expire_access_tokens()  # a refresh: the token row is written a second time
    session.run(cli, "push", "--json")
    old_key = secret_key_file.read_bytes().strip()
    assert _opens(old_key, _fernet_tokens(store, db_url)), "nothing was encrypted"
    rotated = session.run(cli, "secrets", "rotate")
    assert "Re-encrypted 2 secret(s)" in rotated.stdout  # the token set and the client secret
    new_key = secret_key_file.read_bytes().strip()
    assert new_key != old_key
    issued = len(wired.control.get("/tokens").json()["refresh_tokens"])
    wired.expire_access_tokens()  # the jobs refresh and save under the new key
    session.run(cli, "push", "--json")
    session.run(cli, "import", "--json")
    session.run(cli, "stats", "pull", "--json")
    assert len(wired.control.get("/tokens").json()["refresh_tokens"]) == issued + 1
    runs = json.loads(session.run(cli, "runs", "ls", "--json").stdout)
    assert {run["status"] for run in runs} == {"succeeded"}, runs
    assert json.loads(session.run(cli, "status", "--json").stdout)["health"] == "ok"
    left = _fernet_tokens(store, db_url)
    assert _opens(new_key, left)
    assert _opens(old_key, left) == []
    where: dict[str, str | bytes] = {
        "CLI output": "\n".join(session.outputs),
        "table values": _every_value(store),
        "database file": _database_bytes(db_url),
    }
    assert _found(_secrets(wired, secret_key_file), where) == []
