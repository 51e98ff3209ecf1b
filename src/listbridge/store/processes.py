"""This process as a lock records it, and whether a recorded process still runs here.

Only Linux tells the boot, the PID namespace and a process's start time (`/proc`);
elsewhere a process is known by host name and pid alone, which errs on the safe side:
a pid taken again by another process looks alive, so its lock waits for the lease.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

from listbridge.core.locks import ProcessRef, holder_gone

PROC = Path("/proc")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


@cache
def this_machine() -> str:
    """Host name, boot id and PID namespace: where a pid names one process."""
    boot = _read(PROC / "sys/kernel/random/boot_id")
    try:
        namespace: str | None = os.readlink(PROC / "self/ns/pid")
    except OSError:
        namespace = None
    return " ".join(part for part in (socket.gethostname(), boot, namespace) if part)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat from the state on (field 3); None when unreadable."""
    stat = _read(PROC / str(pid) / "stat")
    # The command name (field 2) may hold spaces and parentheses: split after its end.
    fields = stat[stat.rfind(")") + 2 :].split() if stat else []
    return fields if len(fields) >= 20 else None


def started(pid: int) -> str | None:
    """When `pid` started, in clock ticks after boot (field 22); None where the OS does not say."""
    fields = _stat(pid)
    return fields[19] if fields else None


def this_process() -> ProcessRef:
    pid = os.getpid()
    return ProcessRef(this_machine(), pid, started(pid))


def is_running(process: ProcessRef) -> bool:
    """Whether `process` (of this machine) still runs; True whenever we cannot be sure."""
    if process.pid <= 0:
        return True  # kill(0 or less) would signal a process group, not look up a pid
    try:
        os.kill(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, run by another user
    except OSError:
        return True
    fields = _stat(process.pid)
    if process.started is None or fields is None:
        return True  # no start time to compare (another OS, or /proc hides the pid)
    # A zombie is dead but not yet reaped; another start time is another process.
    return fields[0] != "Z" and fields[19] == process.started


def holder_is_gone(process: ProcessRef | None) -> bool:
    """A lock's holder was a process of this machine that is gone (`kill -9`, a crash)."""
    return holder_gone(process, this_machine(), is_running)


def process_columns(process: ProcessRef | None) -> dict[str, object]:
    """A lock row's columns for its holding process (all None: unknown, leased only)."""
    return {
        "process_machine": process.machine if process else None,
        "process_pid": process.pid if process else None,
        "process_started": process.started if process else None,
    }


def process_of(machine: str | None, pid: int | None, started: str | None) -> ProcessRef | None:
    """The holding process of a lock row; None for a row written before it was recorded."""
    return ProcessRef(machine, pid, started) if machine and pid else None
