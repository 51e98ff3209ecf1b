"""/audit and /audit.csv over a tiny journal written the way jobs write it
(store/journal.py record_changes, store/runs.py start_run): each filter, keyset paging,
bad input answered beside its field with 400, the CSV's rows and formula protection,
and values shown as text."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from tests.web.conftest import TestClient, sign_in

from listbridge.core.journal import Change, Side
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import record_changes
from listbridge.store.journal_search import JournalFilter, journal_page
from listbridge.store.runs import start_run

pytestmark = pytest.mark.db

DAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WEB_USER = "web:ada operator root@crm-01 pid 4711"


def change(record: str, field: str, new: str, at: datetime, side: Side = Side.CRM) -> Change:
    return Change(side, record, field, "before", new, "push: the CRM value differs", at)


@pytest.fixture
def journal(site: Store) -> dict[str, int]:
    """Run `push` by ada (web), a run-less change, and one change on another connection."""
    here, other = connection_id(site, "default"), connection_id(site, "other")
    push = start_run(site, here, "push", WEB_USER)
    with site.session() as session:
        record_changes(session, here, push, [
            change("101", "email", "ada@example.org", DAY),
            change("101", "first_name", "<script>alert(1)</script>", DAY + timedelta(minutes=1)),
            change("cc-7", "email", '=HYPERLINK("http://x")', DAY + timedelta(days=1), Side.CC),
        ])  # fmt: skip
        record_changes(
            session, here, None, [change("102", "city", "Leeds", DAY + timedelta(days=2))]
        )
        record_changes(session, other, None, [change("101", "email", "elsewhere", DAY)])
    return {"push": push}


def rows_of(html: str) -> list[str]:
    """The table's rows, as the text of each (tags dropped)."""
    return [
        re.sub(r"<[^>]+>|\s+", " ", row)
        for row in re.findall(r"<tr id=\"change-.*?</tr>", html, re.S)
    ]


def test_newest_first_with_links_and_who(admin: TestClient, journal: dict[str, int]) -> None:
    page = admin.get("/audit")
    assert page.status_code == 200
    rows = rows_of(page.text)
    assert len(rows) == 4  # the other connection's change is not here
    assert "Leeds" in rows[0]  # newest
    assert rows[0].rstrip().endswith("—")  # no run: who is "—"
    assert "ada operator (push)" in rows[1]
    assert f'<a href="/sync/runs/{journal["push"]}">' in page.text
    assert '<a href="/accounts/101">101</a>' in page.text
    assert 'href="/accounts/cc-7"' not in page.text  # a Constant Contact id has no account page


def test_each_filter(admin: TestClient, journal: dict[str, int]) -> None:
    def found(query: str) -> int:
        page = admin.get(f"/audit?{query}")
        assert page.status_code == 200, page.text
        return len(rows_of(page.text))

    assert found("record=101") == 2
    assert found("record=101&side=cc") == 0
    assert found("field=email") == 2
    assert found(f"run={journal['push']}") == 3
    assert found("side=cc") == 1
    assert found("since=2026-12-01") == 2  # inclusive of the whole day
    assert found("until=2026-11-30") == 2
    assert found("since=2026-12-01&until=2026-12-01") == 1
    assert found(f"record=101&field=email&run={journal['push']}") == 1


@pytest.mark.parametrize(
    ("query", "field", "said"),
    [
        ("since=2026-13-01", "since", "a date as YYYY-MM-DD"),
        ("until=yesterday", "until", "a date as YYYY-MM-DD"),
        ("run=twelve", "run", "a run number"),
        ("run=99999999999999999999", "run", "a run number"),
        ("side=both", "side", "either crm or cc"),
        ("since=2026-12-02&until=2026-12-01", "until", "before the start date"),
    ],
)
def test_bad_input_is_named_beside_its_field(
    admin: TestClient, journal: dict[str, int], query: str, field: str, said: str
) -> None:
    for path in ("/audit", "/audit.csv"):
        page = admin.get(f"{path}?{query}")
        assert page.status_code == 400
        assert "Traceback" not in page.text
        error = re.search(rf'id="audit-{field}-error">([^<]*)<', page.text)
        assert error is not None, page.text
        assert said in error.group(1)


def test_pages_follow_each_other_without_a_count(
    site: Store, admin: TestClient, journal: dict[str, int]
) -> None:
    here = connection_id(site, "default")
    with site.session() as session:
        many = [
            change(str(200 + n), "zip", f"Z{n}", DAY + timedelta(seconds=n)) for n in range(120)
        ]
        record_changes(session, here, None, many)
    first = admin.get("/audit?field=zip")
    assert len(rows_of(first.text)) == 50
    seen = rows_of(first.text)
    link = re.search(r'href="/audit\?([^"]+)" rel="next"', first.text)
    while link:
        page = admin.get("/audit?" + link.group(1).replace("&amp;", "&"))
        assert "field=zip" in link.group(1)
        seen += rows_of(page.text)
        link = re.search(r'href="/audit\?([^"]+)" rel="next"', page.text)
    assert len(seen) == 120
    assert "Z119" in seen[0]
    assert "Z0 " in seen[-1]
    assert len(set(seen)) == 120
    assert admin.get("/audit?before=999999").status_code == 400  # a page that is not there


def test_same_instant_rows_are_paged_by_id(site: Store, journal: dict[str, int]) -> None:
    here = connection_id(site, "default")
    with site.session() as session:
        record_changes(session, here, None, [change(str(n), "tag", "x", DAY) for n in range(7)])
    wanted, seen, before = JournalFilter(field="tag"), [], None
    while True:
        page = journal_page(site, here, wanted, before, size=3)
        seen += [row.journaled.change.record_id for row in page.rows]
        if page.older is None:
            break
        before = page.older
    assert seen == [str(n) for n in reversed(range(7))]


def test_values_show_as_text(site: Store, admin: TestClient, journal: dict[str, int]) -> None:
    with site.session() as session:  # a CRM list's own change links to the list
        named = change("list:A&B <i>", "name", "A&B <i>", DAY)
        record_changes(session, connection_id(site, "default"), None, [named])
    listed = admin.get("/audit?field=name")
    assert '<a href="/lists/A%26B%20%3Ci%3E">list:A&amp;B &lt;i&gt;</a>' in listed.text
    page = admin.get("/audit?record=101")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    found = admin.get("/audit?record=%3Cb%3E")  # the search itself is echoed as text
    assert 'value="&lt;b&gt;"' in found.text


def test_csv_is_the_whole_selection_and_safe(admin: TestClient, journal: dict[str, int]) -> None:
    download = admin.get("/audit.csv?side=cc")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert list(rows[0]) == [
        "at", "side", "record_id", "field", "old_value", "new_value",
        "reason", "run_id", "run_kind", "started_by",
    ]  # fmt: skip
    assert len(rows) == 1
    assert rows[0]["new_value"] == '\'=HYPERLINK("http://x")'  # not run as a formula
    assert (rows[0]["run_id"], rows[0]["run_kind"]) == (str(journal["push"]), "push")
    assert rows[0]["started_by"] == WEB_USER
    everything = list(csv.DictReader(io.StringIO(admin.get("/audit.csv").text)))
    assert len(everything) == 4
    assert everything[0]["new_value"] == "Leeds"
    assert everything[0]["run_id"] == ""


def test_a_viewer_may_read_it(client: TestClient, journal: dict[str, int]) -> None:
    sign_in(client, "viewer")
    assert client.get("/audit").status_code == 200
    assert client.get("/audit.csv").status_code == 200
