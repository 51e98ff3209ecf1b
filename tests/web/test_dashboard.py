"""The dashboard's additions: the "Campaign stats" widget each user sets up (kept in
`web_preferences`, checked when read), and the counts of the consent report and of the
possible duplicates, equal to what `unsubscribes report` and `crm duplicates` list."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.conftest import Cli
from tests.support.campaign_results import SPRING_NAME, seed_results
from tests.web.conftest import TestClient, csrf_of, sign_in

from listbridge.core.accounts import Account
from listbridge.core.campaign_widget import DEFAULT_COLUMNS, WidgetView, view_from_json
from listbridge.core.cc_records import CcContact, Permission
from listbridge.crm.duplicate_groups import possible_duplicates
from listbridge.crm.factory import open_crm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.links import LinkRow, save_links
from listbridge.store.models import CrmAccount, WebPreference
from listbridge.store.preferences import CAMPAIGN_WIDGET, set_preference
from listbridge.store.users import user_by_name
from listbridge.sync.unsubscribes import mismatch_report
from listbridge.web.figure_cache import FigureCache

pytestmark = pytest.mark.db


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    # the checks' counts are waited for: tiny data, but a loaded test machine
    client.app.state.dashboard_figures = FigureCache(wait=30)  # type: ignore[attr-defined]
    sign_in(client, "admin")
    return client


@pytest.fixture
def results(site: Store) -> int:
    return seed_results(site, hostile=True)


def _headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col" data-column="([^"]+)"', html)


def _widget_names(html: str) -> list[str]:
    table = html.split('id="campaign-widget-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td><a href="/stats/[^"]+">([^<]*)</a></td>', table)


def _save(client: TestClient, **form: object) -> int:
    token = csrf_of(client.get("/").text)
    answer = client.post("/dashboard/campaigns", data={"csrf_token": token, **form},
                         follow_redirects=False)  # fmt: skip
    return answer.status_code


def test_the_widget_shows_recent_campaigns_by_default(admin: TestClient, results: int) -> None:
    page = admin.get("/")
    assert page.status_code == 200
    assert 'id="campaign-widget"' in page.text
    assert _headers(page.text) == list(DEFAULT_COLUMNS)
    assert _widget_names(page.text) == [SPRING_NAME, "=HYPERLINK(&#34;x&#34;)", "Winter news"]
    assert "66.7%" in page.text
    assert ">Save view</button>" in page.text
    assert 'id="health"' in page.text  # what the home page showed before is still there


def test_a_saved_view_is_each_users_own(admin: TestClient, results: int) -> None:
    chosen = {"column": ["name", "opens", "bounces"], "rows": "10", "sort": "name", "dir": "asc"}
    assert _save(admin, **chosen) == 303
    page = admin.get("/").text
    assert _headers(page) == ["name", "opens", "bounces"]
    assert _widget_names(page) == ["=HYPERLINK(&#34;x&#34;)", SPRING_NAME, "Winter news"]
    assert re.search(r'<option value="10" selected>', page)
    admin.post("/logout", data={"csrf_token": csrf_of(page)})
    sign_in(admin, "admin")
    assert _headers(admin.get("/").text) == ["name", "opens", "bounces"]
    admin.post("/logout", data={"csrf_token": csrf_of(admin.get("/").text)})
    sign_in(admin, "viewer")  # a viewer may set up the widget too; until then, the defaults
    assert _headers(admin.get("/").text) == list(DEFAULT_COLUMNS)


def test_bad_values_are_refused_and_nothing_is_saved(
    admin: TestClient, site: Store, results: int
) -> None:
    good = {"column": ["name"], "rows": "5", "sort": "sends", "dir": "desc"}
    for bad, message in (
        ({"column": ["name", "password"]}, "there is no column &#39;password&#39;"),
        ({"column": []}, "choose at least one column"),
        ({"rows": "1000"}, "not &#39;1000&#39;"),
        ({"sort": "drop table"}, "no column &#39;drop table&#39; to sort by"),
        ({"dir": "sideways"}, "ascending or descending"),
    ):
        token = csrf_of(admin.get("/").text)
        answer = admin.post("/dashboard/campaigns", data={"csrf_token": token, **good, **bad})
        assert answer.status_code == 400, bad
        assert message in answer.text.split('id="widget-error"', 1)[1], bad
    with site.session() as session:
        assert session.query(WebPreference).count() == 0


def test_a_stored_view_is_checked_when_read(admin: TestClient, site: Store, results: int) -> None:
    admin_id = user_by_name(site, "admin").id  # type: ignore[union-attr]
    saved = {"columns": ["sends", "gone", "name"], "rows": 99, "sort": "gone", "descending": 1}
    set_preference(site, admin_id, CAMPAIGN_WIDGET, saved)
    page = admin.get("/")
    assert page.status_code == 200
    assert _headers(page.text) == ["sends", "name"]  # the unknown column dropped
    assert re.search(r'<option value="5" selected>', page.text)  # rows: the default
    assert view_from_json("not a view") == WidgetView()
    assert view_from_json({"columns": []}).columns == DEFAULT_COLUMNS


def _consent_and_duplicates(store: Store) -> int:
    """A1 opted out in CC only, A2 opted out in the CRM only, A3 alike on both sides;
    A4 shares A1's address (and name): one group of possible duplicates."""
    cid = connection_id(store, "default")
    crm = open_crm(store, cid)
    people = (("A1", "ann@example.org", False), ("A2", "bob@example.org", True),
              ("A3", "cy@example.org", False), ("A4", "ann@example.org", False))  # fmt: skip
    for account_id, email, opted_out in people:
        account = Account(account_id, email=email, first_name="Ann" if "ann" in email else "Bo",
                          last_name="Lee", email_opt_out=opted_out)  # fmt: skip
        crm.create(account, reason="test setup")
    now = datetime.now(UTC)
    links = [
        LinkRow(a, CcContact(f"c-{a}", e, permission=p, updated_at=now))
        for a, e, p in (
            ("A1", "ann@example.org", Permission.UNSUBSCRIBED),
            ("A2", "bob@example.org", Permission.IMPLICIT),
            ("A3", "cy@example.org", Permission.IMPLICIT),
        )
    ]
    with store.session() as session:
        save_links(session, cid, links, now)
    return cid


def test_the_counts_are_what_the_reports_list(
    admin: TestClient, site: Store, cli: Cli, tmp_path: Path
) -> None:
    cid = _consent_and_duplicates(site)
    assert len(mismatch_report(site, cid)) == 2
    assert len(possible_duplicates(site, cid)) == 1
    page = admin.get("/").text
    assert re.search(r'<strong id="consent-count">2</strong>', page)
    assert re.search(r'<strong id="duplicates-count">1</strong>', page)
    out = tmp_path / "report.csv"
    assert cli("unsubscribes", "report", "--csv", str(out)).exit_code == 0
    download = admin.get("/dashboard/consent.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.content == out.read_bytes()
    listed = admin.get("/dashboard/duplicates").text
    assert "ann@example.org" in listed
    assert re.findall(r'<a href="/accounts/(A\d)">', listed) == ["A1", "A4"]
    # a change in the CRM: the count follows at once (the cached one is out of date)
    with site.session() as session:
        session.execute(
            update(CrmAccount)
            .where(CrmAccount.connection_id == cid, CrmAccount.id == "A3")
            .values(email_opt_out=True, updated_at=datetime.now(UTC))
        )
    assert re.search(r'<strong id="consent-count">3</strong>', admin.get("/").text)


def test_no_duplicates_and_no_campaigns_say_so(admin: TestClient) -> None:
    page = admin.get("/").text
    assert 'id="widget-empty"' in page
    assert re.search(r'<strong id="duplicates-count">0</strong>', page)
    assert 'id="no-duplicates"' in admin.get("/dashboard/duplicates").text


def test_a_slow_figure_does_not_hold_the_page() -> None:
    cache = FigureCache(wait=0.01)
    release = threading.Event()

    def slow() -> int:
        release.wait(10)
        return 7

    figure, current = cache.get("n", "k1", slow)
    assert (figure, current) == (None, False)  # the page goes on without it
    release.set()
    figure, current = cache.get("n", "k1", slow, wait=10)
    assert figure is not None
    assert (figure.value, current) == (7, True)
    # another key: the old figure is shown as out of date while the new one is computed
    release.clear()
    figure, current = cache.get("n", "k2", slow)
    assert figure is not None
    assert (figure.value, current) == (7, False)
    release.set()
