"""/lists in a real browser: an administrator reads the lists table, creates a list through
the form, renames, hides and unhides it, deletes it after reading the confirmation, and
previews a list sync (then runs it on /sync's runner). One server for the module."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import Loaded, OpenSession

pytestmark = pytest.mark.slow

BOUND = "Newsletter"  # filled by a rule: the preview has people to add to Constant Contact
JOB_TIMEOUT_MS = 60_000


def _row(page: Page, name: str) -> str:
    return f'#lists tr[data-list="{name}"]'


def _manage(page: Page, name: str, button: str) -> None:
    """Open the row's Manage box and press one of its buttons."""
    page.locator(f"{_row(page, name)} summary").click()
    with page.expect_navigation():
        page.locator(_row(page, name)).get_by_role("button", name=button, exact=True).click()


def test_admin_manages_a_list_and_previews_a_sync(loaded: Loaded, visit: OpenSession) -> None:
    site = loaded.site
    site.cli("lists", "create", BOUND)
    site.cli("lists", "bind", BOUND, "--where", "email_opt_out = false")
    admin = visit("admin")
    page = admin.open("/lists")
    expect(page.locator(f"{_row(page, BOUND)} .crm-members")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator(f"{_row(page, BOUND)} .cc-members")).to_have_text("0")

    page.fill("#create-list [name=name]", "Volunteers")
    page.select_option("#create-list [name=status]", "hidden")
    with page.expect_navigation():
        page.get_by_role("button", name="Create list", exact=True).click()
    expect(page.locator("#lists-done")).to_contain_text("Volunteers")
    expect(page.locator(f"{_row(page, 'Volunteers')} .status")).to_have_text("hidden")

    page.locator(f"{_row(page, 'Volunteers')} summary").click()
    page.locator(f"{_row(page, 'Volunteers')} [name=new_name]").fill("Volunteers 2025")
    with page.expect_navigation():
        page.locator(_row(page, "Volunteers")).get_by_role("button", name="Rename").click()
    expect(page.locator(_row(page, "Volunteers 2025"))).to_be_visible()
    _manage(page, "Volunteers 2025", "Unhide")
    expect(page.locator(f"{_row(page, 'Volunteers 2025')} .status")).to_have_text("active")
    _manage(page, "Volunteers 2025", "Hide")
    expect(page.locator(f"{_row(page, 'Volunteers 2025')} .status")).to_have_text("hidden")

    page.locator(f"{_row(page, 'Volunteers 2025')} summary").click()
    with page.expect_navigation():
        page.locator(_row(page, "Volunteers 2025")).get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Volunteers 2025")
    expect(page.locator("#delete-cc")).to_contain_text("The contacts themselves stay")
    admin.shoot()
    with page.expect_navigation():
        page.get_by_role("button", name="Delete list").click()
    expect(page.locator("#lists-done")).to_contain_text("Deleted")
    expect(page.locator(_row(page, "Volunteers 2025"))).to_have_count(0)

    page.locator(f'{_row(page, BOUND)} input[name="list"]').check()
    page.select_option("#sync-direction", "crm_to_cc")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview sync").click()
    added = page.locator('#sync-preview tr[data-list="Newsletter"] .added-to-cc')
    expect(added).to_have_text(re.compile(r"^[1-9]\d*$"))
    admin.shoot()
    with page.expect_navigation():
        page.get_by_role("button", name="Sync now").click()
    expect(page).to_have_url(re.compile(r"/sync$"))
    expect(page.locator("#job-outcome")).to_contain_text("list sync run", timeout=JOB_TIMEOUT_MS)
    page = admin.open("/lists", "synced")
    # one contact per address: accounts sharing one are a single member in Constant Contact
    expect(page.locator(f"{_row(page, BOUND)} .cc-members")).to_have_text(re.compile(r"^[1-9]"))

    # A rule that now selects nobody: the sync would empty the list, and the guard asks first.
    site.cli("lists", "bind", BOUND, "--where", 'first_name = "Nobody at all"')
    page.select_option("#sync-direction", "crm_to_cc")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview sync").click()
    expect(page.locator("#guard-question")).to_contain_text(f"of '{BOUND}' from Constant Contact")
    expect(page.get_by_role("button", name="Sync anyway")).to_be_visible()
    admin.shoot("guard")
