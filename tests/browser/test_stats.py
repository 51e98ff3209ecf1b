"""Campaign results in the browser (issue 18): the sample CRM pushed, a campaign sent in the
emulator and pulled, then /stats with its chart, the campaign's page and its CSV and Excel
downloads — the same rows as `stats show --campaign ID --format csv|xlsx` — and the
dashboard's widget set up, saved, and found again after signing out and in."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from tests.browser.conftest import Loaded, OpenSession, Site

from listbridge.emulator.testing import obtain_token

pytestmark = pytest.mark.slow

MAIN_LIST = "Members"
#: user text in a campaign's name: shown as text, never as markup
NAME = "Spring appeal <b>& news</b>"
RATES = {"open": 0.6, "click": 0.3, "forward": 0.05, "bounce": 0.1, "optout": 0.05}
CHOSEN = ["name", "sends", "opens", "clicks", "bounces"]


def _list_id(site: Site, name: str) -> str:
    token = obtain_token(site.emulator_url)["access_token"]
    answer = httpx.get(
        f"{site.emulator_url}/v3/contact_lists",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    found = [x["list_id"] for x in answer.json()["lists"] if x["name"] == name]
    assert found, f"no list {name!r} in the emulator"
    return str(found[0])


def _send(site: Site) -> str:
    """A campaign to the main list's members (the emulator's send control); its id."""
    body = {"name": NAME, "list_ids": [_list_id(site, MAIN_LIST)], "rates": RATES, "seed": 18}
    answer = httpx.post(f"{site.emulator_url}/__emulator__/campaigns/send", json=body, timeout=60)
    answer.raise_for_status()
    assert answer.json()["sends"] > 0
    return str(answer.json()["campaign_id"])


def _download(page: Page, button: str, to: Path) -> Path:
    with page.expect_download() as download:
        page.click(button)
    download.value.save_as(to)
    return to


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _sheet_rows(path: Path) -> list[tuple[object, ...]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def _widget_columns(page: Page) -> list[str]:
    cells = page.locator("#campaign-widget-table thead th")
    return [str(cells.nth(n).get_attribute("data-column")) for n in range(cells.count())]


def test_a_sent_campaign_on_the_screens_and_in_the_downloads(
    loaded: Loaded, visit: OpenSession, tmp_path: Path
) -> None:
    site = loaded.site
    site.cli("lists", "create", MAIN_LIST)
    site.cli("push", "--list", MAIN_LIST)  # every eligible account, onto that list
    campaign_id = _send(site)
    site.cli("stats", "pull")

    admin = visit("admin")
    page = admin.open("/stats")
    expect(page.locator("#campaigns")).to_contain_text(NAME)
    chart = page.locator("#campaign-chart")
    expect(chart).to_be_visible()
    assert page.evaluate("document.querySelector('#campaign-chart').naturalWidth") > 0

    with page.expect_navigation():
        page.get_by_role("link", name=NAME).click()
    assert page.url.endswith(f"/stats/{campaign_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator("#recipients tbody tr").first).to_be_visible()
    admin.shoot("campaign")

    web_csv = _download(page, "#download-csv", tmp_path / "web.csv")
    web_xlsx = _download(page, "#download-xlsx", tmp_path / "web.xlsx")
    cli_csv, cli_xlsx = tmp_path / "cli.csv", tmp_path / "cli.xlsx"
    for out, kind in ((cli_csv, "csv"), (cli_xlsx, "xlsx")):
        site.cli("stats", "show", "--campaign", campaign_id, "--format", kind, "--out", str(out))
    assert _csv_rows(web_csv) == _csv_rows(cli_csv)
    assert len(_csv_rows(web_csv)) > 1
    assert web_csv.read_bytes() == cli_csv.read_bytes()
    assert _sheet_rows(web_xlsx) == _sheet_rows(cli_xlsx)

    # the dashboard's widget, set up, saved, and still so after signing out and in
    page = admin.open("/")
    page.click("#campaign-widget summary")
    for box in page.locator("#campaign-widget-form [name=column]").all():
        value = box.get_attribute("value")
        box.set_checked(value in CHOSEN)
    page.select_option("[name=rows]", "10")
    page.select_option("[name=sort]", "opens")
    with page.expect_navigation():
        page.get_by_role("button", name="Save view").click()
    assert _widget_columns(page) == CHOSEN
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    admin.sign_in("admin")
    page = admin.open("/", "widget-saved")
    assert _widget_columns(page) == CHOSEN
    expect(page.locator("[name=rows]")).to_have_value("10")
    expect(page.locator("#campaign-widget-table")).to_contain_text(NAME)
    expect(page.locator("#consent-check")).to_be_visible()

    # the possible duplicates the dashboard counts, listed where its link goes
    with page.expect_navigation():
        page.get_by_role("link", name="See them").click()
    admin.shoot()
    expect(page.get_by_role("heading", level=1)).to_have_text("Possible duplicates")
