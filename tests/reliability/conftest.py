"""What every reliability test shares: the fork server that runs `listbridge` commands
(one a pytest worker: its imports cost seconds once), and the check that a test leaves no
process of its own running (CI once found the fork servers' processes alive after it)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest
from tests.reliability.cli_forks import CliForks
from tests.reliability.processes import PROC, descendants

#: how long a test's processes may take to end once it is over
SETTLE_SECONDS = 5.0


@pytest.fixture(scope="session")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliForks]:
    """One fork server a worker, closed (with anything it forked) as the session ends."""
    opened = CliForks(tmp_path_factory.mktemp("forks"))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """Fails the test that leaves a process it started running, and ends those processes
    (they are this test's) so that the next test starts clean. A process started before
    the test (a session's fork server, set up before any test's own fixtures) is not the
    test's; the commands that server forks during the test are. Linux only (/proc)."""
    if not PROC.is_dir():  # no /proc to read (not Linux): nothing to check with
        yield
        return
    before = set(descendants(os.getpid()))
    yield
    until = time.monotonic() + SETTLE_SECONDS
    left = _new(before)
    while left and time.monotonic() < until:
        time.sleep(0.1)
        left = _new(before)
    if not left:
        return
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    shown = "; ".join(f"pid {pid}: {command}" for pid, command in sorted(left.items()))
    pytest.fail(f"the test left {len(left)} process(es) running: {shown}")


def _new(before: set[int]) -> dict[int, str]:
    return {pid: command for pid, command in descendants(os.getpid()).items()
            if pid not in before and not _kept_by_design(command)}  # fmt: skip


def _kept_by_design(command: str) -> bool:
    """multiprocessing's own processes (a pool's workers, its resource tracker) are the
    test process's for its life, not a test's: the web app starts its duplicates worker on
    first use and keeps it (web/duplicates_worker.py), and multiprocessing ends them as
    the process exits. Killed, the next test would meet a broken pool."""
    return "from multiprocessing." in command
