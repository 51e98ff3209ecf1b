"""The web admin as its users see it: an administrator connects, changes a setting, runs an
import, reads its report and downloads its errors; a second user watches a running job; a
user who may only view is refused. One server for the module (conftest.py)."""

from __future__ import annotations

import csv
import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import PASSWORD, OpenSession, Site, Visitor

from listbridge.emulator.testing import obtain_token

START_BUTTONS = ("#start-import", "#start-push", "#start-full")
ACCOUNT = "Listbridge Emulated Nonprofit"  # the emulator's account
INTERVAL = "unsubscribe.interval_minutes"  # a whole number from 5 to 10080
JOB_TIMEOUT_MS = 60_000
#: the emulator's delay on every API call while a test watches a job run: a few seconds in all
SLOW_API = {"latency_ms": 1500}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin(site: Site, visit: OpenSession) -> Visitor:
    """The administrator, signed in, having connected to the emulator on /setup."""
    admin = visit("admin")
    admin.open("/")
    page = admin.open("/setup", "not-connected")
    page.fill("[name=emulator]", site.emulator_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Connect to the emulator").click()
    expect(page.locator("main")).to_contain_text(ACCOUNT)
    admin.shoot("connected")
    with page.expect_navigation():
        page.click("#disconnect")  # its confirmation, left unconfirmed
    expect(page.get_by_role("heading", level=1)).to_contain_text("Disconnect")
    admin.shoot()
    return admin


def _add_role_address(site: Site) -> None:
    """A contact that import reports and never imports (an info@ address)."""
    token = obtain_token(site.emulator_url)["access_token"]
    contact = {"email_address": {"address": "info@example.org"}, "create_source": "Account"}
    answer = httpx.post(
        f"{site.emulator_url}/v3/contacts",
        json=contact,
        headers={"Authorization": f"Bearer {token}"},
    )
    answer.raise_for_status()


def _job_ended(page: Page) -> None:
    expect(page.locator("#job-status")).to_have_attribute(
        "data-busy", "false", timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator("#job-outcome")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    # sync.js then fetches the page's tables, and reloads it when the first run's history
    # is new: a screenshot taken meanwhile would lose its page to that navigation
    expect(page.locator("#run-history")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    page.wait_for_load_state("load")


def test_anonymous_settings_goes_to_sign_in(visit: OpenSession) -> None:
    page = visit().open("/settings", "anonymous")
    expect(page).to_have_url(re.compile(r"/login\b"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_admin_sets_a_setting_imports_and_downloads_the_errors(site: Site, admin: Visitor) -> None:
    admin.open("/getting-started")
    page = admin.open("/settings")
    page.get_by_label(INTERVAL, exact=True).fill("2")
    with page.expect_navigation():
        page.click("#save-settings")
    expect(page.locator("#settings-error")).to_be_visible()
    expect(page.get_by_label(INTERVAL, exact=True)).to_have_attribute("aria-invalid", "true")
    invalid = page.locator(".setting.invalid")  # the message stands beside its field
    expect(invalid).to_have_count(1)
    expect(invalid.locator("label")).to_have_text(INTERVAL)
    expect(invalid.locator(".field-error")).to_contain_text("out of range")
    admin.shoot("invalid")
    page.get_by_label(INTERVAL, exact=True).fill("45")
    with page.expect_navigation():
        page.click("#save-settings")
    expect(page.locator("#settings-saved")).to_be_visible()
    expect(page.get_by_label(INTERVAL, exact=True)).to_have_value("45")
    admin.shoot("saved")
    assert json.loads(site.cli("settings", "show", "--json"))[INTERVAL] == 45

    site.emulator("seed", {"contacts": 300, "seed": 17})
    _add_role_address(site)
    site.emulator("faults", SLOW_API)
    try:
        page = admin.open("/sync")
        with page.expect_navigation():
            page.click("#start-import")
        expect(page.locator("#job-status")).to_contain_text("Import running")
        expect(page.locator("#job-status progress")).to_be_visible()
        admin.shoot("import-running")
    finally:
        site.emulator("faults", {"latency_ms": 0})
    _job_ended(page)
    admin.shoot("import-ended")
    outcome = page.locator("#job-outcome").inner_text()
    found = re.search(r"301 attempted, .* (\d+) not imported", outcome)
    assert found, outcome
    expect(page.locator("#last-import")).to_contain_text("301")

    with page.expect_navigation():
        page.click("#job-report")
    admin.shoot()
    expect(page.locator("#run-errors")).to_contain_text("info@example.org")
    with page.expect_download() as download:
        page.click("#errors-csv")
    with download.value.path().open(newline="") as saved:
        header, *rows = list(csv.reader(saved))
    assert header == ["account_id", "cc_contact_id", "email", "field", "row", "reason"]
    assert len(rows) == int(found.group(1))
    assert "info@example.org" in [row[2] for row in rows]


def test_a_second_user_sees_the_sync_actions_wait_while_a_job_runs(
    site: Site, admin: Visitor, visit: OpenSession
) -> None:
    site.emulator("seed", {"contacts": 200, "seed": 29})
    operator = visit("operator")
    site.emulator("faults", SLOW_API)
    try:
        page = admin.open("/sync")
        with page.expect_navigation():
            page.click("#start-import")
        watching = operator.open("/sync", "job-running")
        expect(watching.locator("#job-running-notice")).to_be_visible()
        who_what_when = re.compile(r"admin .*import .*\d\d:\d\d")
        expect(watching.locator("#job-running-notice")).to_contain_text(who_what_when)
        for button in (*START_BUTTONS, "#dry-run"):
            expect(watching.locator(button)).to_be_disabled()
    finally:
        site.emulator("faults", {"latency_ms": 0})
    _job_ended(watching)
    expect(watching.locator("#job-running-notice")).to_be_hidden()
    for button in START_BUTTONS:
        expect(watching.locator(button)).to_be_enabled()


def _post_form(page: Page, action: str) -> int:
    """Submit a form to `action` with the page's own CSRF token, as a crafted page would;
    the answer's status."""
    with page.expect_navigation() as navigation:
        page.evaluate(
            """action => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const token = document.querySelector("input[name=csrf_token]").cloneNode();
                form.appendChild(token);
                document.body.appendChild(form);
                form.submit();
            }""",
            action,
        )
    answer = navigation.value
    assert answer is not None
    return answer.status


@pytest.mark.usefixtures("admin")
def test_a_user_who_may_only_view_is_refused_then_signs_out(visit: OpenSession) -> None:
    viewer = visit("viewer")
    page = viewer.open("/sync", "view-only")
    expect(page.locator("#job-status")).to_be_visible()
    for button in START_BUTTONS:
        expect(page.locator(button)).to_have_count(0)
    assert _post_form(page, "/sync/import") == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("run_syncs")
    viewer.shoot("refused")

    page = viewer.open("/settings", "view-only")
    expect(page.locator("#save-settings")).to_have_count(0)
    assert _post_form(page, "/settings") == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("change_settings")
    viewer.shoot("refused")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\b"))
    page = viewer.open("/settings", "signed-out")
    expect(page).to_have_url(re.compile(r"/login\b"))


def test_no_password_or_session_token_reaches_the_servers_output(
    site: Site, admin: Visitor
) -> None:
    """After every other test of the module: what `serve` wrote holds no password and no
    session or CSRF token of anyone who signed in."""
    cookies = [c["value"] for c in admin.context.cookies() if len(c["value"]) >= 16]
    assert cookies, "signed in, the browser holds its session cookie"
    for process in site.processes:
        written = process.log.read_text(errors="replace")
        assert PASSWORD not in written, process.command
        for value in cookies:
            assert value not in written, process.command
