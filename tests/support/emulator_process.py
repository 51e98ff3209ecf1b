"""`listbridge emulator` in a process of its own, for tests that need a real server process
(the CLI's own start-up, or several client processes against one rate limit)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from tests.support.net import free_port

EMULATOR = [sys.executable, "-m", "listbridge", "emulator", "--auto-approve"]


@contextmanager
def emulator_process(*options: str) -> Iterator[str]:
    """`listbridge emulator --auto-approve OPTIONS --port P`; its base URL once it listens.
    Stopped with Ctrl-C (SIGINT) as a user stops it, killed if it does not stop."""
    port = free_port()
    process = subprocess.Popen(
        [*EMULATOR, *options, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the emulator process exited"
        try:
            httpx.get(f"{url}/__emulator__/counters", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the emulator did not start listening")
