"""/audit and /connections in a real browser: after an import, the administrator finds one of
its changes by the record's id and the field, and downloads it as CSV; then creates a
connection "second" that reuses "default"'s authorisation, and switches between them."""

from __future__ import annotations

import csv
import json

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import Loaded, OpenSession

from listbridge.core.journal import Side
from listbridge.store.connections import find_connection
from listbridge.store.db import open_store
from listbridge.store.journal_search import JournalFilter, journal_page

pytestmark = pytest.mark.slow


def _a_change(db_url: str, run_id: int) -> tuple[str, str]:
    """The record id and field of the newest change run `run_id` journaled."""
    store = open_store(db_url, migrate=False)
    try:
        default = find_connection(store, "default")
        assert default is not None
        page = journal_page(store, default, JournalFilter(run_id=run_id, side=Side.CRM))
        assert page.rows, "the import journaled nothing"
        fields = [row.journaled.change for row in page.rows]
        change = next((c for c in fields if c.field != "*"), fields[0])
        return change.record_id, change.field
    finally:
        store.close()


def test_admin_finds_a_change_and_downloads_it(loaded: Loaded, visit: OpenSession) -> None:
    site = loaded.site
    site.emulator("seed", {"contacts": 6, "lists": 1, "seed": 3})
    imported = json.loads(site.cli("import", "--json"))
    record, field = _a_change(site.db_url, imported["run_id"])
    admin = visit("admin")
    page = admin.open("/audit")
    expect(page.locator("#audit-table")).to_be_visible()
    page.fill("#audit-record", record)
    page.fill("#audit-field", field)
    with page.expect_navigation():
        page.click("#audit-find")
    rows = page.locator("#audit-table tbody tr")
    expect(rows.first).to_contain_text(record)
    expect(rows.first.locator(f'a[href="/sync/runs/{imported["run_id"]}"]')).to_be_visible()
    expect(rows.first).to_contain_text("(import)")
    expect(rows.first.locator(f'a[href="/accounts/{record}"]')).to_be_visible()
    admin.shoot("found")
    with page.expect_download() as download:
        page.click("#audit-csv")
    path = download.value.path()
    with open(path, newline="", encoding="utf-8") as file:
        found = list(csv.DictReader(file))
    assert found
    assert {(row["record_id"], row["field"]) for row in found} == {(record, field)}
    assert found[0]["run_kind"] == "import"


def test_admin_creates_a_connection_and_switches(loaded: Loaded, visit: OpenSession) -> None:
    admin = visit("admin")
    page = admin.open("/connections")
    expect(page.locator("tr.current")).to_have_attribute("data-name", "default")
    page.fill("#new-name", "second")
    page.select_option("#new-reuse", "default")
    with page.expect_navigation():
        page.click("#create-connection-button")
    expect(page.locator("#connection-created")).to_contain_text("using default's authorisation")
    second = page.locator('tr[data-name="second"]')
    expect(second).to_have_class("current")
    expect(second).to_contain_text("uses default's authorisation")
    admin.shoot("created")
    with page.expect_navigation():
        page.get_by_role("button", name="Switch to default").click()
    expect(page.locator("tr.current")).to_have_attribute("data-name", "default")
    with page.expect_navigation():
        page.get_by_role("button", name="Switch to second").click()
    expect(page.locator("tr.current")).to_have_attribute("data-name", "second")
    expect(page.locator("#connection")).to_have_value("second")  # the header follows
    admin.shoot("switched")
    with page.expect_navigation():
        page.get_by_role("button", name="Switch to default").click()
    expect(page.locator("tr.current")).to_have_attribute("data-name", "default")
