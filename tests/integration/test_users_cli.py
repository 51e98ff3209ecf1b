"""`listbridge users …` and `listbridge groups …` (cli/users.py), on SQLite and PostgreSQL:
passwords piped in and never shown or stored, JSON listings, every mistake exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import MetaData, select

from listbridge.store import passwords
from listbridge.store import web_sessions as ws
from listbridge.store.db import Store
from listbridge.store.users import verify_login

PASSWORD = "pipe me in, never echo"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real parameters take a good part of a second a hash on a busy machine.
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def refused(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr
    return result.stderr


def test_add_and_list_users_with_a_piped_password(cli, store: Store) -> None:
    added = ok(cli("users", "add", "Ann", "--admin", input=PASSWORD + "\nignored\n"))
    assert added.stdout.strip() == "added administrator Ann"
    ok(cli("groups", "add", "editors"))
    ok(cli("users", "add", "bob", "--group", "editors", input=PASSWORD + "\r\n"))

    listed = json.loads(ok(cli("users", "ls", "--json")).stdout)
    assert [(u["name"], u["admin"], u["groups"]) for u in listed] == [
        ("Ann", True, []),
        ("bob", False, ["editors"]),
    ]
    assert set(listed[0]) == {"name", "admin", "groups", "created_at", "last_login_at"}
    assert listed[0]["last_login_at"] is None
    assert "bob" in ok(cli("users", "ls")).stdout
    # the first line only, its line ending dropped
    assert verify_login(store, "ann", PASSWORD) is not None
    assert verify_login(store, "bob", PASSWORD) is not None


def test_the_password_is_never_shown_nor_stored(cli, store: Store, tmp_path: Path) -> None:
    results = [
        cli("users", "add", "ann", "--admin", input=PASSWORD + "\n"),
        cli("users", "add", "ann", input=PASSWORD + "\n"),  # refused: name taken
        cli("users", "passwd", "ann", input=PASSWORD + "!\n"),
        cli("users", "ls"),
    ]
    for result in results:
        assert PASSWORD not in result.stdout + result.stderr
    tables = MetaData()
    tables.reflect(store.engine)
    with store.engine.connect() as conn:
        rows = [
            conn.execute(select(table)).all()
            for name, table in tables.tables.items()
            if name.startswith("web_")
        ]
    assert "ann" in repr(rows)
    assert PASSWORD not in repr(rows)
    assert verify_login(store, "ann", PASSWORD + "!") is not None
    for file in tmp_path.glob("listbridge.db*"):  # SQLite: its pages and its log
        assert PASSWORD.encode() not in file.read_bytes()


def test_passwd_signs_the_user_out(cli, store: Store) -> None:
    ok(cli("users", "add", "ann", "--admin", input=PASSWORD + "\n"))
    user = verify_login(store, "ann", PASSWORD)
    assert user is not None
    session = ws.create_session(store, user.id)
    changed = ok(cli("users", "passwd", "ANN", input="a brand new password\n"))
    assert "ended 1 session(s)" in changed.stdout
    assert ws.session_of(store, session.token) is None
    assert verify_login(store, "ann", "a brand new password") is not None


def test_remove_a_user_but_never_the_last_administrator(cli) -> None:
    ok(cli("users", "add", "ann", "--admin", input=PASSWORD + "\n"))
    ok(cli("users", "add", "bob", input=PASSWORD + "\n"))
    ok(cli("users", "remove", "bob"))
    refused(cli("users", "remove", "ann"), "'ann' is the last administrator")
    refused(cli("users", "remove", "bob"), "no user named 'bob'")


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (("users", "add", "ann"), "short\n", ("at least 10 characters",)),
        (("users", "add", "ann"), "", ("no password on standard input",)),
        (("users", "add", "ann", "--group", "ops"), PASSWORD, ("no group named 'ops'",)),
        (("users", "passwd", "zed"), PASSWORD, ("no user named 'zed'",)),
        (("groups", "grant", "ops", "view"), None, ("no group named 'ops'",)),
    ],
)
def test_user_mistakes_exit_2_naming_the_value(cli, args, stdin, words) -> None:
    refused(cli(*args, input=stdin), *words)


def test_groups_grant_revoke_and_list(cli) -> None:
    ok(cli("groups", "add", "editors"))
    ok(cli("groups", "add", "viewers"))
    ok(cli("users", "add", "bob", input=PASSWORD + "\n"))
    assert ok(cli("groups", "grant", "editors", "RUN_SYNCS")).stdout.startswith("granted run_syncs")
    ok(cli("groups", "grant", "editors", "view"))
    ok(cli("groups", "join", "editors", "bob"))
    assert "revoked view" in ok(cli("groups", "revoke", "editors", "view")).stdout
    assert "had not view" in ok(cli("groups", "revoke", "editors", "view")).stdout

    listed = json.loads(ok(cli("groups", "ls", "--json")).stdout)
    assert listed == [
        {"name": "editors", "permissions": ["run_syncs"], "members": ["bob"]},
        {"name": "viewers", "permissions": [], "members": []},
    ]
    ok(cli("groups", "leave", "editors", "bob"))
    ok(cli("groups", "remove", "viewers"))
    assert "editors" in ok(cli("groups", "ls")).stdout
    refused(cli("groups", "add", "editors"), "a group named 'editors' already exists")


def test_an_unknown_permission_lists_the_allowed_ones(cli) -> None:
    ok(cli("groups", "add", "editors"))
    message = refused(cli("groups", "grant", "editors", "fly"), "no permission 'fly'")
    assert "view, run_syncs, manage_lists, change_settings, connect" in message
