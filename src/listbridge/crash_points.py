"""Crash points, for the reliability tests alone: `LISTBRIDGE_TEST_CRASH_AT=POINT:N` kills
this process with SIGKILL the Nth time it passes POINT, as `kill -9` would (no `finally`,
no `atexit`, nothing flushed), so a test can stop a job at an exact place and prove that a
re-run finishes it (tests/reliability/test_crash_resume_*.py, bench/crash_soak.py).

A kill from outside lands wherever the process happens to be; a point names the place:

- `request`: an answer from Constant Contact has arrived and nothing has read it yet
  (`ApiSession`): the call was made, its outcome is lost;
- `token_refreshed`: the token endpoint rotated the tokens, not yet saved (`RefreshingAuth`);
- `commit`: a state-store transaction has committed (`Store.session`): every checkpoint,
  link, count and the run's last bookkeeping;
- `crm_commit`: a CRM held elsewhere committed its writes, the store's part of them not
  yet (`CrmTransactions.writing`);
- `push_imported`: a push chunk's imports and memberships have ended, its new contacts
  are neither found nor tagged yet (`sync/push/steps.apply_push`).

`N` = 0 kills nothing: the process says on stderr, as it ends, how often it passed each
point (a test spreads its kill points over what an uninterrupted run passes).

Armed once by the CLI's root callback from `ProcessConfig.crash_at` (config.py reads the
environment); never armed, a point costs one comparison.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass

from listbridge.core.errors import UserError

POINTS = ("request", "token_refreshed", "commit", "crm_commit", "push_imported")


@dataclass(frozen=True)
class CrashAt:
    point: str
    #: the pass that kills (1 = the first); 0 counts the passes and kills none
    after: int


def parse_crash_at(text: str, variable: str) -> CrashAt:
    point, _, count = text.partition(":")
    if point not in POINTS or not count.isdigit():
        raise UserError(
            f"{variable} must look like POINT:N, POINT one of {', '.join(POINTS)}, got {text!r}"
        )
    return CrashAt(point, int(count))


@dataclass
class _Armed:
    at: CrashAt
    passed: Counter[str]


_armed: list[_Armed] = []


def arm(at: CrashAt | None) -> None:
    """From now on, this process dies at `at` (None: disarmed)."""
    _armed.clear()
    if at is not None:
        _armed.append(_Armed(at, Counter()))
        atexit.register(_tell_passes)


def reached(point: str) -> None:
    """The process passes `point`: the armed pass kills it."""
    if not _armed:
        return
    armed = _armed[0]
    armed.passed[point] += 1
    if armed.at.point == point and armed.passed[point] == armed.at.after:
        os.kill(os.getpid(), signal.SIGKILL)


def _tell_passes() -> None:
    if _armed:
        passed = _armed[0].passed
        sys.stderr.write(
            "crash points passed: " + " ".join(f"{p}={passed[p]}" for p in POINTS) + "\n"
        )
