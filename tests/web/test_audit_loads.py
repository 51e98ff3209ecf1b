"""/audit over `crm load` runs (store/journal.py): a load's own entry shows once for
the accounts it created, with no link to an account page, and each account's id finds
its "created" entry with the load's run, reason and who ran it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web.conftest import TestClient
from tests.web.test_audit_screen import rows_of

from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

pytestmark = pytest.mark.db

FILE = (
    "id,first_name,last_name,email,email_opt_out\n"
    "H1,Ann,Lee,home@example.org,no\n"
    "H2,Bo,Lee,HOME@example.org,no\n"
    "Z1,Zoë,Müller,zoe@example.de,yes\n"
)


@pytest.fixture
def load_run(site: Store, tmp_path: Path) -> int:
    path = tmp_path / "members.csv"
    path.write_text(FILE, encoding="utf-8")
    cid = connection_id(site, "default")
    return load_file(site, cid, path, started_by="web:ada operator root@crm-01 pid 4711").run_id


def test_the_run_shows_its_one_entry_without_an_account_link(
    admin: TestClient, load_run: int
) -> None:
    page = admin.get(f"/audit?run={load_run}")
    assert page.status_code == 200
    [row] = rows_of(page.text)
    assert "(each account it created)" in row
    assert "created 3 accounts" in row
    assert "crm load members.csv" in row
    assert 'href="/accounts/"' not in page.text


def test_an_accounts_id_finds_its_created_entry(admin: TestClient, load_run: int) -> None:
    page = admin.get("/audit?record=Z1")
    [row] = rows_of(page.text)
    assert '<a href="/accounts/Z1">Z1</a>' in page.text
    assert "(the whole record)" in row
    assert "created" in row
    assert "crm load members.csv" in row
    assert f'<a href="/sync/runs/{load_run}">' in page.text
    assert "ada operator" in row
    csv_text = admin.get("/audit.csv?record=Z1").text
    assert "Z1" in csv_text
    assert "crm load members.csv" in csv_text
