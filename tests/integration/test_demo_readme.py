"""The README's tour on the demo's own data (issue 12): with `listbridge demo --serve`
running, every sync command the README shows ends in exit 0 on the demo database — the
sample has households, case variants and opted-out people, as real CRMs do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.test_demo import _scheduled_reconciliation, _served_url

#: the README's tour, in its order (the commands that talk to Constant Contact)
TOUR: tuple[tuple[str, ...], ...] = (
    ("push", "--list", "Newsletter", "--dry-run"),
    ("push", "--list", "Newsletter", "--json"),
    ("push", "--subscription-only"),
    ("unsubscribes", "sync", "--json"),
    ("unsubscribes", "report", "--csv", "{tmp}/diff.csv"),
    ("lists", "ls", "--json"),
    ("lists", "create", "Members", "--hidden"),
    ("lists", "add", "Members", "--where",
     'state = "MA" and custom."Member Level" in ("Gold","Silver")'),
    ("lists", "bind", "Members", "--where", "created_at >= 2025-01-01"),
    ("lists", "sync", "--direction", "both", "--dry-run"),
    ("lists", "sync", "Members", "--confirm"),
    ("stats", "pull", "--json"),
    ("stats", "show"),
    ("stats", "show", "--format", "csv"),
    ("sync", "full", "--json"),
    ("push", "--list", "Newsletter", "--json"),
    ("status",),
)  # fmt: skip
LOCKED = 3


def _run(db: str, args: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command; a refusal because the demo's scheduler holds the lock is waited out."""
    command = [sys.executable, "-m", "listbridge", "--db", db, *args]
    deadline = time.monotonic() + 120
    while True:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
        if done.returncode != LOCKED or time.monotonic() > deadline:
            return done
        time.sleep(1)


def test_every_sync_command_of_the_readme_succeeds_on_the_demo(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    command = [sys.executable, "-m", "listbridge", "--db", db, "demo", "--serve"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as demo:
        try:
            _served_url(demo)
            _scheduled_reconciliation(db, env)
            for args in TOUR:
                args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
                done = _run(db, args, env)
                assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        finally:
            demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 0
