"""Errors become one clear line and the contract's exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from tests.conftest import Cli

from listbridge.cli.errors import masked


def _listbridge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "listbridge", *args], capture_output=True, text=True, timeout=60
    )


def test_unsupported_database_url_exits_2_with_reason() -> None:
    done = _listbridge("--db", "mysql://localhost/x", "db", "upgrade")
    assert done.returncode == 2
    assert "unsupported database URL 'mysql'" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_command_is_usage_error() -> None:
    done = _listbridge("no-such-command")
    assert done.returncode == 2
    assert "No such command" in done.stderr


@pytest.mark.parametrize("flag", ["--version"])
def test_version(flag: str) -> None:
    done = _listbridge(flag)
    assert done.returncode == 0
    assert done.stdout.startswith("listbridge ")


@pytest.mark.parametrize("command", [["db", "upgrade"], ["runs", "ls"]])
def test_database_in_a_missing_directory_names_the_directory(
    tmp_path: Path, command: list[str]
) -> None:
    done = _listbridge("--db", f"sqlite:///{tmp_path}/missing-dir/x.db", *command)
    assert done.returncode == 2, done.stderr
    assert f"directory {tmp_path}/missing-dir does not exist" in done.stderr
    assert "unexpected failure" not in done.stderr
    assert not (tmp_path / "missing-dir").exists()


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list: milk, eggs\n")
    done = _listbridge("--db", f"sqlite:///{path}", "runs", "ls")
    assert done.returncode == 2, done.stderr
    assert f"{path} is not a listbridge database" in done.stderr
    assert "unexpected failure" not in done.stderr
    assert path.read_text() == "shopping list: milk, eggs\n"


def test_unreachable_postgresql_names_the_url_with_its_password_masked() -> None:
    url = "postgresql+psycopg://someone:hunter2-secret@127.0.0.1:1/x"
    done = _listbridge("--db", url, "runs", "ls")
    assert done.returncode == 2, done.stderr
    assert "cannot reach PostgreSQL at postgresql+psycopg://someone:***@127.0.0.1:1/x" in (
        done.stderr
    )
    assert "hunter2" not in done.stderr + done.stdout


def test_messages_never_show_a_url_password() -> None:
    text = "failed: postgresql+psycopg://me:p%40ss:w0rd@db/x, redis://:pw@h/0, http://h:80/x"
    assert masked(text) == (
        "failed: postgresql+psycopg://me:***@db/x, redis://:***@h/0, http://h:80/x"
    )


@pytest.mark.parametrize("command", [["db", "upgrade"], ["runs", "ls"]])
def test_another_application_s_alembic_history_is_not_ours(db_url: str, command: list[str]) -> None:
    """A database whose alembic_version names a revision we never wrote is left alone."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('abc123')"))
    result = Cli(db_url)(*command)
    assert result.exit_code == 2, result.output
    assert "is not a listbridge database" in result.stderr
    assert "revision 'abc123'" in result.stderr
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    engine.dispose()
