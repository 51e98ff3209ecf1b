"""Errors become one clear line and the contract's exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


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


def test_unreachable_database_is_a_clear_failure(tmp_path) -> None:
    done = _listbridge("--db", f"sqlite:///{tmp_path}/missing-dir/x.db", "db", "upgrade")
    assert done.returncode == 1
    assert "unexpected failure" in done.stderr
    assert "Traceback" not in done.stderr
