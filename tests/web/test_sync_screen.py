"""/sync against a store connected to the emulator: a job started in the browser is the
run `runs ls` shows (with who started it), its results, report and CSV on the screens;
a second start while any process holds the connection is refused with who and since
when; the history reads one page at a time."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert
from tests.sync.conftest import Scene
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in

from listbridge.core.permissions import Permission
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.locks import locked_run
from listbridge.store.models import Run
from listbridge.store.runs import add_run_errors, finish_run, list_runs, start_run, started_by
from listbridge.store.users import add_group, add_user, grant
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

OPERATOR = "ada operator"  # a name with a space: `runs ls` still names her whole


@pytest.fixture
def operators(store: Store) -> Store:
    """`ada operator` may view and run syncs; `viewer` may only view."""
    connection_id(store, "default")
    add_group(store, "operators")
    for permission in (Permission.VIEW, Permission.RUN_SYNCS):
        grant(store, "operators", permission)
    add_user(store, OPERATOR, PASSWORD, groups=["operators"])
    add_group(store, "viewers")
    grant(store, "viewers", Permission.VIEW)
    add_user(store, "viewer", PASSWORD, groups=["viewers"])
    return store


@pytest.fixture
def browser(operators: Store) -> Iterator[TestClient]:
    with TestClient(create_app(operators)) as client:
        yield client


def start(client: TestClient, action: str, dry_run: bool = False) -> httpx.Response:
    token = csrf_of(client.get("/sync").text)
    form = {"csrf_token": token, **({"dry_run": "true"} if dry_run else {})}
    return client.post(f"/sync/{action}", data=form, follow_redirects=False)


def finished(client: TestClient) -> dict[str, object]:
    """The last event of /sync/events: the stream ends when the job does."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stream = client.get("/sync/events")
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = re.findall(r"event: (\w+)\ndata: (.*)\n\n", stream.text)
        if events and events[-1][0] == "done":
            done: dict[str, object] = json.loads(events[-1][1])
            return done
    raise AssertionError("the job did not finish")


def shown_counts(html: str, box: str) -> dict[str, int]:
    section = html[html.index(f'id="{box}"') :].split("</section>", 1)[0]
    return {k: int(n) for k, n in re.findall(r'data-count="(\w+)">(\d+)<', section)}


def test_an_import_started_in_the_browser(
    scene: Scene,
    browser: TestClient,
) -> None:
    scene.add_list("Members")
    scene.add_contact("grace@example.org", "Grace", "Hopper", lists=("Members",))
    scene.add_contact("info@example.org", lists=("Members",))  # a role address: reported
    sign_in(browser, OPERATOR)

    answer = start(browser, "import")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sync"
    done = finished(browser)
    assert done["busy"] is False
    assert "import run" in str(done["status"])

    [run] = list_runs(scene.store, scene.connection_id, kind="import")
    assert run.started_by.startswith(f"web:{OPERATOR} "), run.started_by
    assert run.counts["created"] == 1
    assert run.counts["not_imported"] == 1
    page = browser.get("/sync").text
    shown = shown_counts(page, "last-import")
    assert set(shown) == {"attempted", "created", "matched", "not_imported"}
    assert shown == {key: run.counts[key] for key in shown}
    assert f'href="/sync/runs/{run.run_id}"' in page
    assert OPERATOR in page

    report = browser.get(f"/sync/runs/{run.run_id}")
    assert report.status_code == 200
    assert "info@example.org" in report.text
    assert 'id="errors-csv"' in report.text
    download = browser.get(f"/sync/runs/{run.run_id}/errors.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["account_id", "cc_contact_id", "email", "field", "row", "reason"]
    assert [row[2] for row in rows[1:]] == ["info@example.org"]


def test_a_dry_run_records_no_run(scene: Scene, browser: TestClient) -> None:
    scene.add_list("Members")
    scene.add_contact("grace@example.org", "Grace", "Hopper", lists=("Members",))
    sign_in(browser, OPERATOR)
    assert start(browser, "import", dry_run=True).status_code == 303
    done = finished(browser)
    assert "import dry run (nothing changed): 1 attempted, 1 created" in str(done["status"])
    assert list_runs(scene.store, scene.connection_id) == []


def test_a_start_while_another_process_holds_the_lock_is_refused(
    operators: Store, browser: TestClient
) -> None:
    sign_in(browser, OPERATOR)
    connection = connection_id(operators, "default")
    with locked_run(operators, connection, "push", started_by("cli")) as (_, run):
        page = browser.get("/sync").text
        assert re.search(r'id="start-import"[^>]*disabled', page)
        assert re.search(r'id="job-running-notice">', page)  # not hidden
        refused = start(browser, "import")
        assert refused.status_code == 409
        assert "is busy" in refused.text
        assert f"push (run {run.run_id})" in refused.text
        assert re.search(rf"cli \S+@\S+ started the push \(run {run.run_id}\) at", refused.text)
    assert list_runs(operators, connection, kind="import") == []
    page = browser.get("/sync").text
    assert re.search(r'id="job-running-notice" hidden', page)
    assert not re.search(r'id="start-import"[^>]*disabled', page)


def test_only_run_syncs_may_start(operators: Store, browser: TestClient) -> None:
    sign_in(browser, "viewer")
    page = browser.get("/sync")
    assert page.status_code == 200
    assert 'id="start-import"' not in page.text
    token = csrf_of(page.text)  # the header's sign-out form
    for action in ("import", "push", "full"):
        answer = browser.post(f"/sync/{action}", data={"csrf_token": token})
        assert answer.status_code == 403, action
    assert list_runs(operators, connection_id(operators, "default")) == []


def test_a_start_without_the_csrf_token_is_refused(browser: TestClient) -> None:
    sign_in(browser, OPERATOR)
    assert browser.post("/sync/import", data={}).status_code == 403


def _many_runs(store: Store, connection: int, n: int) -> None:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [
        {"connection_id": connection, "kind": "import" if i % 2 else "push",
         "status": "succeeded", "started_at": at + timedelta(minutes=i),
         "finished_at": at + timedelta(minutes=i, seconds=42), "started_by": "scheduler x@y pid 1",
         "counts": {"created": i}, "message": ""}
        for i in range(1, n + 1)
    ]  # fmt: skip
    with store.session() as session:
        session.execute(insert(Run), rows)


def test_the_history_is_paged_and_fast(operators: Store, browser: TestClient) -> None:
    connection = connection_id(operators, "default")
    _many_runs(operators, connection, 1000)
    sign_in(browser, OPERATOR)
    first = browser.get("/sync").text
    assert len(re.findall(r'<td><a href="/sync/runs/\d+">', first)) == 25
    assert "Page 1 of 40" in first
    assert 'href="/sync?page=2"' in first
    last = browser.get("/sync?page=40").text
    assert len(re.findall(r'<td><a href="/sync/runs/\d+">', last)) == 25
    assert 'href="/sync?page=41"' not in last
    assert 'href="/sync?page=39"' in last
    assert browser.get("/sync?page=0").status_code == 400
    took = []
    for _ in range(3):
        began = time.perf_counter()
        assert browser.get("/sync?page=20").status_code == 200
        took.append(time.perf_counter() - began)
    assert min(took) < 0.3, took


def test_an_error_reason_is_shown_as_text(operators: Store, browser: TestClient) -> None:
    connection = connection_id(operators, "default")
    run_id = start_run(operators, connection, "import", "web:<b>eve</b> x@y pid 1")
    add_run_errors(operators, run_id, [ErrorRow("<script>alert(1)</script>", email="a@b.org")])
    finish_run(operators, run_id, RunStatus.PARTIAL, {"attempted": 1, "not_imported": 1})
    sign_in(browser, OPERATOR)
    for path in ("/sync", f"/sync/runs/{run_id}"):
        page = browser.get(path).text
        assert "<script>alert(1)" not in page, path
        assert "<b>eve" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in browser.get(f"/sync/runs/{run_id}").text


def test_a_run_of_another_connection_is_not_found(operators: Store, browser: TestClient) -> None:
    other = connection_id(operators, "other")
    run_id = start_run(operators, other, "import", "cli x@y pid 1")
    sign_in(browser, OPERATOR)
    assert browser.get(f"/sync/runs/{run_id}").status_code == 404
    assert browser.get(f"/sync/runs/{run_id}/errors.csv").status_code == 404
