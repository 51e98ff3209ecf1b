"""`listbridge` commands, each in a process of its own, started in milliseconds: a fork
server (`python -m tests.reliability.cli_forks`) imports listbridge once, then forks a
child per command, which runs the CLI's `main` with the command's arguments and
environment and exits with its exit code. The crash-resume tests kill such a child with
SIGKILL (`LISTBRIDGE_TEST_CRASH_AT`) dozens of times a test: a cold `python -m listbridge`
costs 2-3 s of imports each time, a fork a few milliseconds.

The server has no thread and no open database or socket when it forks (it only imports),
so a child starts clean. `fast`: the child's clients send up to 500 requests a second
(CC's 4 a second would make a test of many kill points slow; tests/sync's `wired`
clients are not held to it either) and poll bulk activities from 20 ms instead of 0.5 s.

Protocol, a JSON line each way: `{"argv", "env", "out", "err", "fast"}` →
`{"pid"}` when forked, then `{"exit"}` when it ended (-9: killed).

Nothing it starts outlives the test process: the server and its children are a process
group of their own, killed whole when the server is closed; each is SIGKILLed by Linux
when its parent ends (`PR_SET_PDEATHSIG`), so a pytest worker that dies without its
teardown (killed by a timeout, by xdist) takes them with it; a command whose wait is cut
short (its timeout, Ctrl-C) is killed, not left running.
"""

from __future__ import annotations

import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.reliability.processes import group_members

ROOT = Path(__file__).resolve().parents[2]
KILLED = -signal.SIGKILL
#: requests a second a fast child's clients send (the emulator of the tests has no limit)
RATE = 500.0
#: how long `close` lets the server finish the command under way before killing its group
CLOSE_WAIT = 30.0
#: longest single wait for the server's answer (see `_answer`)
ANSWER_SLICE = 0.25
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class Ended:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.exit_code == KILLED


class CliForks:
    """The test's side: one fork server for as long as it is open."""

    def __init__(self, scratch: Path, fast: bool = True) -> None:
        self.scratch, self.fast, self.runs = scratch, fast, 0
        scratch.mkdir(parents=True, exist_ok=True)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.cli_forks"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its group: the server and every child it forks
        )

    def run(
        self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 180
    ) -> Ended:
        """`listbridge ARGV` with this environment (the test's own, plus `env`)."""
        self.runs += 1
        out, err = self.scratch / f"{self.runs}.out", self.scratch / f"{self.runs}.err"
        command = {"argv": argv, "env": {**os.environ, **(env or {})},
                   "out": str(out), "err": str(err), "fast": self.fast}  # fmt: skip
        assert self.server.stdin is not None
        self.server.stdin.write(json.dumps(command) + "\n")
        self.server.stdin.flush()
        pid = int(self._answer(60)["pid"])
        try:
            code = int(self._answer(timeout)["exit"])
        except BaseException:
            # the wait cut short (its timeout, pytest-timeout, Ctrl-C): the child this test
            # forked is killed by its id, not left running (the server reaps it only once
            # it has ended, so until then the id is the child's)
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            if not self._ended():  # a server that ended has nothing more to say
                with suppress(Exception):
                    self._answer(60)
            raise
        return Ended(code, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"))

    def _answer(self, timeout: float) -> dict[str, Any]:
        """The server's next line. Waits in short slices: `close` on another thread may
        close the stream under this wait, and epoll forgets a closed descriptor without
        waking its waiter, so a single long wait would sleep out its whole timeout."""
        stream = self.server.stdout
        assert stream is not None
        deadline = time.monotonic() + timeout
        while True:
            if stream.closed:
                raise OSError("the fork server was closed")
            with selectors.DefaultSelector() as selector:
                selector.register(stream, selectors.EVENT_READ)
                if selector.select(min(ANSWER_SLICE, max(0.0, deadline - time.monotonic()))):
                    break
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the forked listbridge did not answer in {timeout} s")
        line = stream.readline()
        assert line, f"the fork server ended (exit {self.server.poll()})"
        found: dict[str, Any] = json.loads(line)
        return found

    def close(self) -> None:
        """Ends the server (its stdin closed, it stops after the command under way), then
        kills its process group: a child still running after CLOSE_WAIT, or anything a
        command forked, goes with it. The group is killed before the server is reaped, so
        its id is still the server's."""
        if self.server.stdin is not None:
            self.server.stdin.close()
        until = time.monotonic() + CLOSE_WAIT
        while time.monotonic() < until and not self._ended():
            time.sleep(0.05)
        group = self.server.pid
        if self.server.returncode is None:  # unreaped: its id is still its group's
            with suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        self.server.wait()
        if self.server.stdout is not None:
            self.server.stdout.close()
        # a SIGKILL takes effect as its process is next scheduled: gone on return
        until = time.monotonic() + CLOSE_WAIT
        while time.monotonic() < until and group_members(group):
            time.sleep(0.01)

    def _ended(self) -> bool:
        """Whether the server has ended, leaving it unreaped (a zombie keeps its id)."""
        if self.server.returncode is not None:  # reaped already (`_answer`'s poll)
            return True
        found = os.waitid(os.P_PID, self.server.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return found is not None


def _die_with_parent(parent: int) -> None:
    """Linux SIGKILLs this process when its parent ends, however it ends (a pytest worker
    killed by a timeout runs no teardown and closes nothing)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the line above: at once, then
        os._exit(1)


def _serve(commands: IO[str], answers: IO[str]) -> None:
    # imported once, before any fork: the CLI and each top-level command's module (cli/lazy.py;
    # a group's own commands, `crm load` say, are imported by the child that runs one)
    from listbridge.cli.lazy import preload
    from listbridge.cli.main import COMMANDS

    preload(COMMANDS)

    server = os.getpid()
    for line in commands:
        command = json.loads(line)
        answers.flush()
        pid = os.fork()
        if pid == 0:
            _die_with_parent(server)
            _child(command)
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()


def _child(command: dict[str, Any]) -> None:
    """Runs in the forked child; never returns."""
    code = 1
    try:
        _redirect(1, command["out"])
        _redirect(2, command["err"])
        os.environ.clear()
        os.environ.update(command["env"])
        if command["fast"]:
            _fast_clients()
        code = _main(command["argv"])
    finally:
        import atexit

        atexit._run_exitfuncs()  # what the interpreter's own exit would run
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _redirect(fd: int, path: str) -> None:
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(target, fd)
    os.close(target)


def _main(argv: list[str]) -> int:
    from listbridge.cli.main import app

    try:
        app(args=argv, prog_name="listbridge")
    except SystemExit as ended:
        if ended.code is None or isinstance(ended.code, int):
            return int(ended.code or 0)
        sys.stderr.write(f"{ended.code}\n")
        return 1
    return 0


def _fast_clients() -> None:
    from listbridge.constant_contact.limiter import Limiter
    from listbridge.constant_contact.polling import Poller
    from listbridge.sync import cc_connection

    cc_connection.CLIENT_OPTIONS = {"limiter": Limiter(RATE)}
    for name in ("wait", "wait_all"):
        slow = getattr(Poller, name)

        def quick(self: Poller, *args: Any, _slow: Any = slow, **kw: Any) -> Any:
            return _slow(Poller(first=0.02, cap=0.1, timeout=self.timeout), *args, **kw)

        setattr(Poller, name, quick)


if __name__ == "__main__":
    _die_with_parent(os.getppid())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the test ends it by closing its stdin
    _serve(sys.stdin, sys.stdout)
