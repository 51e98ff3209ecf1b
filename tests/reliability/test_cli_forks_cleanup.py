"""The fork server of the crash tests (`cli_forks`) leaves nothing running: a command
whose wait is cut short is killed, closing the server kills a command still running (and
the server), and a test that leaves a process is told so by `no_process_left_behind`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.reliability import cli_forks
from tests.reliability.cli_forks import CliForks
from tests.reliability.processes import descendants, group_members


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def until_running(forks: CliForks) -> dict[int, str]:
    """The server's children once its command is running (the emulator: it never ends)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = descendants(forks.server.pid)
        if running:
            return running
        time.sleep(0.05)
    raise AssertionError("the forked command did not start in 30 s")


def test_a_command_whose_wait_is_cut_short_is_killed(tmp_path: Path) -> None:
    forks = CliForks(tmp_path / "forks")
    try:
        with pytest.raises(TimeoutError):
            forks.run(["emulator", "--port", str(free_port())], timeout=2)
        assert descendants(forks.server.pid) == {}, "the command runs on"
        # the server is still in step: the next command gets its own answers
        assert forks.run(["--help"]).exit_code == 0
    finally:
        forks.close()


def test_closing_the_server_ends_it_and_the_command_still_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_forks, "CLOSE_WAIT", 0.5)
    forks = CliForks(tmp_path / "forks")
    cut: list[BaseException] = []

    def run() -> None:
        try:
            forks.run(["emulator", "--port", str(free_port())], timeout=60)
        except (AssertionError, TimeoutError, ValueError, OSError) as ended:
            cut.append(ended)  # the server went while the command ran

    waiting = threading.Thread(target=run)
    waiting.start()
    [command] = until_running(forks)
    group = forks.server.pid
    forks.close()
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert cut, "the run saw its server end"
    assert forks.server.returncode == -9, "killed with its group after CLOSE_WAIT"
    assert group_members(group) == {}, f"left running: command {command}"


def test_the_check_sees_a_process_a_test_left() -> None:
    """What `no_process_left_behind` reads: a process this test started, until it ends."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert sleeper.pid in descendants(os.getpid())
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sleeper.pid not in descendants(os.getpid())
