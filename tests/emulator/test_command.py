"""The ``listbridge emulator`` command: a real process serving OAuth and the API."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import typer
from tests.support.net import free_port
from typer.testing import CliRunner

from listbridge.cli.emulator import emulator
from listbridge.core.errors import UserError
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.persistence import StateFileError
from listbridge.emulator.server import serve
from listbridge.emulator.testing import obtain_token

LAUNCH = [sys.executable, "-m", "listbridge", "emulator"]


@contextmanager
def command(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [*LAUNCH, "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]


def _wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60  # a cold start on a busy machine takes a while
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
        try:
            httpx.get(f"{base}/oauth2/default/v1/authorize", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the emulator command did not start")


def test_help_lists_the_contract_options() -> None:
    app = typer.Typer()
    app.command()(emulator)
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--state",
        "--auto-approve",
        "--rate-limit",
        "--daily-limit",
    ):
        assert option in result.output


def test_the_command_serves_oauth_and_api_and_keeps_state(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    with command("--auto-approve", "--state", str(state)) as (base, process):
        token = obtain_token(base)
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        created = httpx.post(f"{base}/v3/contact_lists", json={"name": "Kept"}, headers=headers)
        assert created.status_code == 201
        assert httpx.get(f"{base}/__emulator__/counters").json()["total"] == 1
    assert process.returncode == 0
    assert state.exists()
    with command("--state", str(state), "--daily-limit", "1") as (base, _):
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        lists = httpx.get(f"{base}/v3/contact_lists", headers=headers).json()["lists"]
        assert [lst["name"] for lst in lists] == ["Kept"]
        assert httpx.get(f"{base}/v3/contact_lists", headers=headers).status_code == 429
        assert httpx.get(f"{base}/__emulator__/counters").status_code == 404


def test_a_file_that_is_not_a_state_file_is_refused_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\n" * 100)
    with pytest.raises(StateFileError, match=r"notes\.txt: not an emulator state file"):
        serve(EmulatorConfig(port=free_port(), state_file=junk))


def test_a_port_in_use_is_refused_clearly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(EmulatorConfig(port=port))
