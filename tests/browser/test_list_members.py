"""Issue 18's list scenario in a real browser: an administrator makes a list, finds
accounts for it past one of the default exclusions, adds them, binds the list to the
filter, syncs it, and sees both sides hold the same number of members. The filter text
is checked as it is typed (list_members.js), its error shown beside the field."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import Loaded, OpenSession, Visitor

pytestmark = pytest.mark.slow

NAME = "Spring appeal"
PATH = "/lists/Spring%20appeal"
FILTER = 'email contains "."'


def create_list(visitor: Visitor, loaded: Loaded) -> str:
    """Through the /lists page's form when it has one, else with the CLI; says which."""
    page = visitor.page
    page.goto(f"{loaded.site.url}/lists")  # the /lists screen's own test shoots it
    form = page.locator("#create-list")
    if form.count() == 0:
        loaded.site.cli("lists", "create", NAME)
        return "cli"
    form.locator("[name=name]").fill(NAME)
    with page.expect_navigation():
        form.get_by_role("button", name="Create list").click()
    return "form"


def sync_list(visitor: Visitor, loaded: Loaded) -> None:
    """Through the /lists page's "Preview sync" then "Sync now" when there, else the CLI."""
    page = visitor.page
    page.goto(f"{loaded.site.url}/lists")
    preview = page.get_by_role("button", name="Preview sync")
    if preview.count() == 0:
        loaded.site.cli("lists", "sync", NAME, "--confirm")
        return
    with page.expect_navigation():
        preview.first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sync now").first.click()


def test_make_fill_bind_and_sync_a_list(loaded: Loaded, visit: OpenSession) -> None:
    began = time.monotonic()
    admin = visit("admin")
    create_list(admin, loaded)

    page = admin.open(f"{PATH}/add", "before-search")
    expect(page.locator("#keep-individual")).to_be_checked()
    # the live check: a bad filter's error beside the field, with its column
    page.locator("#where").fill("email contains")
    expect(page.locator("#where-error")).to_be_visible()
    expect(page.locator("#where-message")).to_contain_text("column 15")
    admin.shoot("filter-error")
    page.locator("#where").fill(FILTER)
    expect(page.locator("#where-error")).to_be_hidden()

    # organisations are left out by default: this search takes them in
    page.locator("#keep-individual").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    found = int(page.locator("#found-count").inner_text())
    assert found > 0
    expect(page.locator("#composed-filter")).not_to_contain_text('type = "individual"')
    expect(page.locator("#results")).to_contain_text("an organization, not an individual")
    admin.shoot("results")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to list").click()
    expect(page.locator("#change-done")).to_contain_text("selected")
    assert int(page.locator("#crm-members").inner_text()) > 0

    page.locator("#bind-where-text").fill(FILTER)
    with page.expect_navigation():
        page.get_by_role("button", name="Bind to this filter").click()
    expect(page.locator("#binding")).to_contain_text(FILTER)

    sync_list(admin, loaded)
    page.goto(f"{loaded.site.url}{PATH}")
    while page.locator("#last-sync").inner_text() == "never" and time.monotonic() - began < 50:
        time.sleep(0.5)  # a sync started in the browser runs in the background
        page.reload()
    admin.shoot()
    crm, cc = page.locator("#crm-members").inner_text(), page.locator("#cc-members").inner_text()
    assert crm == cc, f"CRM {crm}, Constant Contact {cc}"
    assert int(cc) > 0
    expect(page.locator("#members")).to_contain_text("linked")
    assert time.monotonic() - began < 60
