"""`listbridge demo`: a fresh database with the sample CRM, a summary, next steps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from listbridge.core.accounts import FieldType
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

SUMMARY = [
    "accounts:        400 (individual 320, organization 80)",
    "custom fields:   Donations (number), Member Level (choice: Gold/Silver/Bronze), "
    "Volunteer Since (date)",
]


def test_demo_loads_the_sample_into_the_given_database(cli, store: Store) -> None:
    done = cli("demo")
    assert done.exit_code == 0, done.output
    for line in SUMMARY:
        assert line in done.stdout
    for label in ("email opted out:", "deceased:", "do not contact:", "role addresses:"):
        assert label in done.stdout
    assert "shared emails:   12 address(es) used by 24 accounts" in done.stdout
    assert f"listbridge --db {store.url} crm show P0001" in done.stdout
    crm = BuiltinCrm(store, connection_id(store, "default"))
    assert {f.name: f.type for f in crm.custom_fields()}["Donations"] is FieldType.NUMBER
    assert len(crm.find_by_email("emile.obrien1@example.org")) == 2
    again = cli("demo")
    assert again.exit_code == 0, again.output
    assert SUMMARY[0] in again.stdout


def test_demo_without_db_recreates_listbridge_demo_db(tmp_path: Path) -> None:
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "listbridge", "demo"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "sample CRM loaded into sqlite:///listbridge-demo.db (run 1)" in done.stdout
        assert SUMMARY[0] in done.stdout
    assert (tmp_path / "listbridge-demo.db").is_file()
