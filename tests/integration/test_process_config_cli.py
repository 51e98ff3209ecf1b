"""The CLI reads its environment once, in the root callback, and every command sees it
through the context and the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from listbridge.cli import db as db_cli
from listbridge.cli.main import app


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200", **env}).invoke(app, list(args))
    return result.exit_code, result.stderr


def test_the_database_url_comes_from_the_environment_unless_db_is_given(tmp_path: Path) -> None:
    from_env, given = tmp_path / "env.db", tmp_path / "given.db"
    env = {"LISTBRIDGE_DATABASE_URL": f"sqlite:///{from_env}"}
    assert _run(env, "db", "upgrade") == (0, "")
    assert from_env.exists()
    assert _run(env, "--db", f"sqlite:///{given}", "db", "upgrade") == (0, "")
    assert given.exists()


def test_a_malformed_variable_stops_any_command_naming_it(tmp_path: Path) -> None:
    env = {"LISTBRIDGE_LOCK_TTL_SECONDS": "soon"}
    code, stderr = _run(env, "--db", f"sqlite:///{tmp_path}/x.db", "settings", "show")
    assert code == 2
    assert "LISTBRIDGE_LOCK_TTL_SECONDS='soon' is not a number of seconds" in stderr
    assert not (tmp_path / "x.db").exists()  # nothing was opened


def _fail(*_args: object) -> bool:
    raise RuntimeError("a bug")


@pytest.mark.parametrize(("debug", "traceback"), [("", False), ("1", True)])
def test_debug_shows_the_traceback_of_an_unexpected_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug: str, traceback: bool
) -> None:
    monkeypatch.setattr(db_cli, "upgrade", _fail)
    env = {"LISTBRIDGE_DEBUG": debug}
    code, stderr = _run(env, "--db", f"sqlite:///{tmp_path}/x.db", "db", "upgrade")
    assert code == 1
    assert "unexpected failure: RuntimeError: a bug" in stderr
    assert ("Traceback" in stderr) is traceback
