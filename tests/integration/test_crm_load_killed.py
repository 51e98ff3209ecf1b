"""A `crm load` killed while it writes leaves the CRM as it was; the same file loads after.

The load is one transaction (crm/builtin/load.py), on SQLite with its indexes set aside
inside it (load_tuning.py): a kill at any moment leaves either every account or none,
and the indexes as they were. Where the kill lands depends on the machine's pace, so
the test holds the promise for whatever moment it hits, and loads the file again."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from listbridge.store.db import Store

ROWS = 40_000


def _accounts_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email", "custom.Level"])
        for n in range(ROWS):
            writer.writerow([f"K{n:06d}", "Ann", "Lee", f"ann.{n}@example.org", "Gold"])
    return path


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _indexes(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
        return {str(name) for (name,) in conn.execute(text(query))}


def _load_started(store: Store) -> bool:
    # The driver's own connection: the store's sessions begin IMMEDIATE on SQLite, which
    # would wait for the load's write lock, that is, until the load is over.
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT count(*) FROM runs WHERE kind = 'crm_load'")
        (count,) = cursor.fetchone() or (0,)
        return bool(count)
    finally:
        raw.close()


def test_a_load_killed_while_it_writes_leaves_every_account_or_none(
    store: Store, tmp_path: Path
) -> None:
    path = _accounts_file(tmp_path / "accounts.csv")
    command = [sys.executable, "-m", "listbridge", "--db", store.url, "crm", "load", str(path)]
    loading = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _load_started(store) and loading.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)  # into the file's chunks (the run is recorded before the first)
    os.kill(loading.pid, signal.SIGKILL)
    loading.communicate(timeout=60)
    accounts, values = _count(store, "crm_accounts"), _count(store, "crm_custom_values")
    assert (accounts, values) in {(0, 0), (ROWS, ROWS)}
    if store.url.startswith("sqlite"):  # the indexes a load sets aside are back
        assert {"ix_crm_accounts_email", "ix_crm_accounts_updated_id"} <= _indexes(store)
    if accounts:
        return  # the load had committed before the kill: nothing left to show
    again = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{ROWS} created" in again.stdout
    assert (_count(store, "crm_accounts"), _count(store, "crm_custom_values")) == (ROWS, ROWS)
