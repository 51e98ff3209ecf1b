"""What every fuzz test of bad input shares: how many examples, and what a clear refusal is.

CI runs each target with a few examples (the `ci` profile is derandomized, so the same
ones every time); `bench/fuzz_soak.py` multiplies them with LISTBRIDGE_FUZZ_SCALE and a
random seed, and reads the tally each example adds to LISTBRIDGE_FUZZ_TALLY (a file, one
line per example: target and outcome), so that the soak can say how many ran.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import typer.testing
from hypothesis import HealthCheck, Phase, settings
from typer.testing import Result

SCALE = float(os.environ.get("LISTBRIDGE_FUZZ_SCALE", "1"))
TALLY = os.environ.get("LISTBRIDGE_FUZZ_TALLY")
# A fixture (a store, a CLI on it) serves every example of a test: each example checks
# what it changed itself, so nothing needs resetting between them.
_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

F = TypeVar("F", bound=Callable[..., Any])


def fuzz(examples: int) -> Callable[[F], F]:
    """Hypothesis settings for a fuzz target: `examples` in CI, times the soak's scale.

    0: in CI the pinned `@example`s alone (a target whose every example costs seconds);
    the soak still runs as many as its scale."""
    count = round((examples or 1) * SCALE) if examples or SCALE > 1 else 0
    if count == 0:
        return settings(phases=[Phase.explicit], suppress_health_check=_HEALTH, deadline=None)
    return settings(max_examples=count, suppress_health_check=_HEALTH, deadline=None)


def tally(target: str, outcome: str) -> None:
    """One example of `target` ran, ending in `outcome` (accepted / refused)."""
    if TALLY:
        with Path(TALLY).open("a", encoding="utf-8") as out:
            out.write(f"{target}\t{outcome}\n")


def outcome_of(done: Result) -> str:
    """accepted (exit 0) or refused (exit 2, with a message): a crash fails the test."""
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert "unexpected failure" not in done.stderr, done.stderr
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
    assert done.exit_code in (0, 2), (done.exit_code, output)
    if done.exit_code == 2:
        assert done.stderr.strip(), "a refusal without a word"
        return "refused"
    return "accepted"


# The column as Python's repr shows it: in double quotes when its name holds a single one.
ROW_ERROR = re.compile(r": row \d+( \(id .*\))?, column ('.*'|\".*\"): \S")


def assert_rows_named(stderr: str, source: str) -> None:
    """Every listed invalid value names the file, row, column and a reason."""
    listed = [line.strip() for line in stderr.splitlines() if line.startswith("  ")]
    listed = [line for line in listed if not line.startswith("…")]
    assert listed, stderr
    for line in listed:
        assert line.startswith(f"{source}: row "), line
        assert ROW_ERROR.search(line), line


@pytest.fixture
def quick_cli(cli, monkeypatch: pytest.MonkeyPatch):
    """The in-process CLI, its command tree built once: Typer builds it again on every
    call (0.2 s of each), and a fuzz target calls it hundreds of times."""
    monkeypatch.setattr(
        typer.testing, "_get_command", functools.lru_cache(maxsize=None)(typer.main.get_command)
    )
    return cli
