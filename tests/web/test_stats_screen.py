"""/stats and /stats/{campaign_id} over results stored as a pull leaves them
(tests/support/campaign_results.py): the figures `stats show` prints, sorting and paging
in the database, the chart (escaped, nothing external), one campaign's recipients, and
downloads equal to `stats show --campaign ID --format csv|xlsx`."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.conftest import Cli
from tests.support.campaign_results import (
    CAMPAIGN,
    HOSTILE,
    SPRING_NAME,
    seed_results,
)
from tests.web.conftest import TestClient, sign_in

from listbridge.store.db import Store
from listbridge.store.models import CampaignEvent, CcCampaign

pytestmark = pytest.mark.db
SCRIPT_NAME = "<script>alert('x')</script> news"


@pytest.fixture
def results(site: Store) -> int:
    return seed_results(site, hostile=True)


def _names_in_order(html: str) -> list[str]:
    table = html.split('id="campaigns"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td><a href="/stats/[^"]+">([^<]*)</a>', table)


def test_the_table_shows_what_stats_show_prints(admin: TestClient, results: int) -> None:
    page = admin.get("/stats")
    assert page.status_code == 200
    # newest sent first; the campaign sent to no list of the connection is not shown
    assert _names_in_order(page.text) == [SPRING_NAME, "=HYPERLINK(&#34;x&#34;)", "Winter news"]
    assert "Never shown" not in page.text
    spring = page.text.split(SPRING_NAME, 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', spring)
    assert cells == ["2026-03-10 10:00", "4", "66.7%", "50.0%", "1", "1"]
    assert '<img src="/stats/chart.svg"' in page.text
    assert 'aria-sort="descending"' in page.text  # by sent date, the default


def test_each_column_sorts_both_ways_with_aria_sort(admin: TestClient, results: int) -> None:
    by_name = admin.get("/stats?sort=name&dir=asc").text
    assert _names_in_order(by_name) == ["=HYPERLINK(&#34;x&#34;)", SPRING_NAME, "Winter news"]
    assert re.search(r'aria-sort="ascending"><a href="/stats\?sort=name&amp;dir=desc"', by_name)
    by_rate = admin.get("/stats?sort=open_rate&dir=desc").text
    # 100 % (1 of 1), 66.7 % (2 of 3 delivered), 50 %
    assert _names_in_order(by_rate) == ["=HYPERLINK(&#34;x&#34;)", SPRING_NAME, "Winter news"]
    by_sends = admin.get("/stats?sort=sends&dir=asc").text
    assert _names_in_order(by_sends) == ["=HYPERLINK(&#34;x&#34;)", "Winter news", SPRING_NAME]
    assert admin.get("/stats?sort=password").status_code == 400
    assert admin.get("/stats?dir=sideways").status_code == 400


def test_pages_of_25_keep_the_sort(admin: TestClient, site: Store, results: int) -> None:
    _many_campaigns(site, results, 30)
    first = admin.get("/stats?sort=name&dir=asc")
    names = _names_in_order(first.text)
    assert len(names) == 25
    assert "Page 1 of 2" in first.text
    assert 'href="/stats?sort=name&amp;dir=asc&amp;page=2"' in first.text
    second = _names_in_order(admin.get("/stats?sort=name&dir=asc&page=2").text)
    assert len(second) == 8  # 33 included campaigns in all
    every = [n.casefold() for n in names + second]
    assert every == sorted(every)


def test_the_chart_is_svg_with_names_escaped_and_nothing_external(
    admin: TestClient, site: Store, results: int
) -> None:
    _many_campaigns(site, results, 1, name=SCRIPT_NAME)
    chart = admin.get("/stats/chart.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.headers["cache-control"] == "no-store"
    root = ElementTree.fromstring(chart.content)  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script" not in chart.text
    assert "&lt;script&gt;" in chart.text
    texts = " ".join("".join(e.itertext()) for e in root.iter())
    assert all(series in texts for series in ("Sends", "Opens", "Clicks"))
    addresses = set(re.findall(r"(?:https?:)?//[\w.-]+", chart.text))
    assert addresses <= {"http://www.w3.org"}, addresses


def test_one_campaign_lists_accounts_then_unlinked_contacts(
    admin: TestClient, results: int
) -> None:
    page = admin.get(f"/stats/{CAMPAIGN}")
    assert page.status_code == 200
    table = page.text.split('id="recipients"', 1)[1]
    accounts = re.findall(r'<a href="/accounts/([^"]+)">', table)
    assert accounts == ["A1", "A10", "A2", "A3"]
    assert table.index("zoë@example.net") > table.index("A3")
    assert "https://example.org/donate?ref=früh" in table  # A1's links clicked
    assert "B non-existent address (hard)" in table
    assert "2026-03-11" in table  # A3 opted out
    assert f'href="/stats/{CAMPAIGN}.csv"' in page.text


def test_recipients_are_paged_in_the_files_order(
    admin: TestClient, site: Store, results: int
) -> None:
    sent = datetime(2026, 5, 1, tzinfo=UTC)
    with site.session() as session:
        session.add(CcCampaign(connection_id=results, campaign_id="c-big", name="Big",
                               sent_at=sent, list_ids=["l-1"], sends=58))  # fmt: skip
        for n in range(58):
            account = f"B{n}" if n < 55 else None  # B10 sorts before B2, as in the file
            session.add(CampaignEvent(connection_id=results, campaign_id="c-big", kind="sends",
                                      cc_contact_id=f"c-{n:02}", account_id=account,
                                      email=f"p{n}@example.org", at=sent))  # fmt: skip
    file_order = [row["account_id"] or row["cc_contact_id"] for row in
                  csv.DictReader(io.StringIO(admin.get("/stats/c-big.csv").text))]  # fmt: skip
    shown = []
    for page in (1, 2):
        html = admin.get(f"/stats/c-big?page={page}").text
        table = html.split('id="recipients"', 1)[1]
        shown += re.findall(r'<a href="/accounts/([^"]+)">|<code>(c-\d+)</code>', table)
    assert [a or c for a, c in shown] == file_order
    assert len(file_order) == 58
    assert "55 account(s), 3 contact(s) linked to no account" in html


def test_an_unknown_campaign_is_a_clear_404(admin: TestClient, results: int) -> None:
    for path in ("/stats/c-nope", "/stats/c-nope.csv", "/stats/c-nope.xlsx", "/stats/c-hidden"):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert "No campaign with id" in response.text


def test_csv_download_is_the_clis_file(
    admin: TestClient, cli: Cli, results: int, tmp_path: Path
) -> None:
    out = tmp_path / "cli.csv"
    done = cli("stats", "show", "--campaign", CAMPAIGN, "--format", "csv", "--out", str(out))
    assert done.exit_code == 0, done.output
    response = admin.get(f"/stats/{CAMPAIGN}.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content == out.read_bytes()
    hostile = admin.get(f"/stats/{HOSTILE}.csv").text
    assert "'=cmd" in hostile  # a formula stays text, as in the CLI's


def test_xlsx_download_has_the_clis_cells(
    admin: TestClient, cli: Cli, results: int, tmp_path: Path
) -> None:
    out = tmp_path / "cli.xlsx"
    done = cli("stats", "show", "--campaign", CAMPAIGN, "--format", "xlsx", "--out", str(out))
    assert done.exit_code == 0, done.output
    response = admin.get(f"/stats/{CAMPAIGN}.xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["content-type"]
    mine = _sheet(load_workbook(io.BytesIO(response.content)))
    theirs = _sheet(load_workbook(out))
    assert mine == theirs
    assert len(mine) == 6
    assert mine[0][0] == "account_id"


def test_a_viewer_sees_the_screens_without_a_connection_too(
    client: TestClient, store: Store
) -> None:
    sign_in(client, "viewer")
    page = client.get("/stats")
    assert page.status_code == 200
    assert 'id="no-campaigns"' in page.text
    assert client.get("/stats/chart.svg").status_code == 200


def _sheet(book: object) -> list[tuple[object, ...]]:
    sheet = book.active  # type: ignore[attr-defined]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def _many_campaigns(store: Store, cid: int, count: int, name: str = "") -> None:
    sent = datetime(2026, 5, 1, tzinfo=UTC)
    with store.session() as session:
        for n in range(count):
            session.add(
                CcCampaign(
                    connection_id=cid,
                    campaign_id=f"c-many-{n:03}",
                    name=name or f"Bulletin {n:03}",
                    sent_at=sent + timedelta(days=n),
                    list_ids=["l-1"],
                    sends=10 + n,
                    opens=n % 7,
                )
            )
