"""/lists against a store connected to the emulator: the table is `lists ls`'s, each list
change made in the browser is the CLI's on both sides, a refusal is said beside its field,
the sync preview shows the plan and the blast-radius guard's question, the real sync runs
on /sync's runner, and a user who may only view changes nothing."""

from __future__ import annotations

import json
import re
import time
from html import unescape
from typing import Any

import httpx
import pytest
from tests.sync.conftest import Scene
from tests.sync.lists_support import (
    cc_list_names,
    cc_members,
    email,
    emails,
    lists,
    overview,
    people,
    runs,
)
from tests.web.conftest import TestClient, csrf_of, sign_in

from listbridge.store.locks import locked_run
from listbridge.store.runs import started_by

pytestmark = pytest.mark.db

XSS = "<script>alert(1)</script>"


def post(client: TestClient, path: str, **form: Any) -> httpx.Response:
    token = csrf_of(client.get("/lists").text)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def row(html: str, name: str) -> str:
    """The table row of the list `name` (its attribute as Jinja escapes it)."""
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    start = html.index(f'<tr data-list="{escaped}">')
    return html[start : html.index("</tr>", start)]


def cell(html: str, name: str, css: str) -> str:
    found = re.search(rf'class="[^"]*\b{css}\b[^"]*">([^<]*)<', row(html, name))
    assert found, (name, css)
    return unescape(found.group(1)).strip()


def finished(client: TestClient) -> dict[str, Any]:
    """The last event of /sync/events: the stream ends when the job does."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = re.findall(r"event: (\w+)\ndata: (.*)\n\n", client.get("/sync/events").text)
        if events and events[-1][0] == "done":
            done: dict[str, Any] = json.loads(events[-1][1])
            return done
    raise AssertionError("the list sync did not finish")


def members_list(scene: Scene, name: str, *names: str) -> list[str]:
    """`lists create NAME` with accounts `names` on its CRM list."""
    lists(scene, "create", name)
    made = people(scene, *names)
    scene.crm.add_to_list(name, made, reason="staff")
    return made


def test_the_table_is_lists_ls(scene: Scene, admin: TestClient) -> None:
    scene.add_list("Members")
    scene.add_contact(email("cc1"), "C", "One", lists=("Members",))
    scene.add_contact(email("cc2"), "C", "Two", lists=("Members",))
    members_list(scene, "News", "a", "b", "c")
    lists(scene, "bind", "News", "--where", 'state = "MA"')
    page = admin.get("/lists")
    assert page.status_code == 200
    shown = overview(scene)
    assert set(shown) == {"Members", "News"}
    for name, lst in shown.items():
        assert cell(page.text, name, "crm-members") == str(lst["crm_members"])
        assert cell(page.text, name, "cc-members") == str(lst["cc_members"])
        assert cell(page.text, name, "status") == lst["status"]
    assert (cell(page.text, "News", "crm-members"), cell(page.text, "Members", "cc-members")) == (
        "3",
        "2",
    )
    assert cell(page.text, "News", "binding") == 'filter: state = "MA"'
    assert cell(page.text, "Members", "binding") == "not paired with a CRM list"
    assert 'href="/lists/News"' in row(page.text, "News")
    assert 'id="create-list"' in page.text
    assert ">Create list</button>" in page.text


def test_create_hide_unhide_rename_delete(scene: Scene, admin: TestClient) -> None:
    made = post(admin, "/lists", name="  Donors ", status="hidden")
    assert made.status_code == 303
    assert made.headers["location"] == "/lists?done=create&name=Donors"
    assert "Donors" in cc_list_names(scene)
    assert scene.crm.lists() == ["Donors"]
    page = admin.get(made.headers["location"]).text
    assert "Created the list “Donors”." in page
    assert cell(page, "Donors", "status") == "hidden"
    assert post(admin, "/lists/Donors/unhide").status_code == 303
    assert cell(admin.get("/lists").text, "Donors", "status") == "active"
    assert post(admin, "/lists/Donors/hide").status_code == 303
    assert overview(scene)["Donors"]["status"] == "hidden"

    renamed = post(admin, "/lists/Donors/rename", new_name="Givers/2024")
    assert renamed.status_code == 303
    assert cc_list_names(scene) == {"Givers/2024"}
    assert scene.crm.lists() == ["Givers/2024"]
    page = admin.get("/lists").text
    assert 'href="/lists/Givers%2F2024"' in page  # one path segment: the other screen finds it

    confirm = admin.get("/lists/Givers%2F2024/delete")
    assert confirm.status_code == 200
    said = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", confirm.text)))
    assert "In Constant Contact: the list “Givers/2024” is deleted" in said
    assert "The contacts themselves stay" in said
    assert "the paired CRM list “Givers/2024” is deleted" in said
    assert "The accounts stay" in said
    assert 'action="/lists/Givers%2F2024/delete"' in confirm.text
    gone = post(admin, "/lists/Givers%2F2024/delete")
    assert gone.status_code == 303
    assert cc_list_names(scene) == set()
    assert scene.crm.lists() == []
    assert [r["kind"] for r in runs(scene)].count("lists") == 5
    assert all(r["started_by"].startswith("web:admin ") for r in runs(scene))


def test_create_refusals_are_said_by_the_field(scene: Scene, admin: TestClient) -> None:
    scene.add_list("Members")
    for name, said in (
        ("   ", "a list name cannot be empty"),
        ("x" * 256, "256 characters, at most 255"),
        ("members", "a Constant Contact list named 'Members' already exists"),
    ):
        answer = post(admin, "/lists", name=name, status="active")
        assert answer.status_code == 400, name
        error = re.search(r'id="new-list-name-error">([^<]*)<', answer.text)
        assert error, name
        assert said in unescape(error.group(1)), name
        assert 'aria-invalid="true"' in answer.text
    assert post(admin, "/lists", name="Ok", status="maybe").status_code == 400
    assert cc_list_names(scene) == {"Members"}
    assert scene.crm.lists() == []


def test_rename_refusals_and_unknown_lists(scene: Scene, admin: TestClient) -> None:
    lists(scene, "create", "News")
    lists(scene, "create", "Events")
    taken = post(admin, "/lists/news/rename", new_name="events")  # names ignore case
    assert taken.status_code == 400
    error = re.search(r'class="field-error" id="rename-\d+-error">([^<]*)<', taken.text)
    assert error
    assert "named 'Events' already exists" in unescape(error.group(1))
    assert "<details open>" in row(taken.text, "News")  # the row's form is open, with the message
    for action in ("rename", "hide", "unhide", "delete"):
        missing = post(admin, f"/lists/Nope/{action}", new_name="Other")
        assert missing.status_code == 404, action
        assert "no Constant Contact list named &#39;Nope&#39;" in missing.text, action
    assert admin.get("/lists/Nope/delete").status_code == 404
    assert cc_list_names(scene) == {"News", "Events"}


def test_a_list_name_is_shown_as_text(scene: Scene, admin: TestClient) -> None:
    assert post(admin, "/lists", name=XSS, status="active").status_code == 303
    for path in (
        "/lists",
        "/lists?done=create&name=" + XSS,
        "/lists/%3Cscript%3Ealert(1)%3C%2Fscript%3E/delete",
    ):
        page = admin.get(path)
        assert page.status_code == 200, path
        assert XSS not in page.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, path
    assert 'href="/lists/%3Cscript%3Ealert%281%29%3C%2Fscript%3E"' in admin.get("/lists").text
    token = csrf_of(admin.get("/lists").text)
    preview = admin.post("/lists/sync/preview", data={"csrf_token": token, "list": XSS})
    assert preview.status_code == 200
    assert XSS not in preview.text


def test_a_preview_shows_the_plan_and_sync_now_runs_it(
    scene: Scene,
    admin: TestClient,
) -> None:
    members_list(scene, "News", "a", "b")
    lists(scene, "create", "Quiet")
    before = len(runs(scene))
    preview = post(admin, "/lists/sync/preview", list="News", direction="crm_to_cc")
    assert preview.status_code == 200
    assert (
        cell(preview.text, "News", "added-to-cc"),
        cell(preview.text, "News", "removed-from-cc"),
    ) == ("2", "0")
    assert 'data-list="Quiet"' not in preview.text  # only the list ticked
    assert ">Sync now</button>" in preview.text
    assert "Sync anyway" not in preview.text
    assert (len(runs(scene)), cc_members(scene, "News")) == (before, set())  # nothing written

    token = csrf_of(preview.text)
    form = {"csrf_token": token, "list": "News", "direction": "crm_to_cc"}
    started = admin.post("/lists/sync", data=form, follow_redirects=False)
    assert (started.status_code, started.headers["location"]) == (303, "/sync")
    done = finished(admin)
    assert "list sync run" in done["status"], done
    assert cc_members(scene, "News") == emails("a", "b")
    latest = runs(scene)[0]
    assert (latest["kind"], latest["status"]) == ("lists", "succeeded")
    assert latest["started_by"].startswith("web:admin ")
    assert f'href="/sync/runs/{latest["run_id"]}"' in admin.get("/sync").text


def test_the_guard_asks_and_sync_anyway_goes_past_it(
    scene: Scene,
    admin: TestClient,
) -> None:
    names = [f"p{n}" for n in range(10)]
    made = members_list(scene, "News", *names)
    lists(scene, "sync", "--direction", "crm_to_cc")
    scene.crm.remove_from_list("News", made[:2], reason="staff")
    preview = post(admin, "/lists/sync/preview", direction="crm_to_cc")
    assert preview.status_code == 200
    question = re.search(r'id="guard-question">(.*?)</div>', preview.text, re.S)
    assert question, preview.text
    said = unescape(question.group(1))
    assert "would remove 2 of 10 members (20%) of 'News' from Constant Contact" in said
    assert "run again with --confirm" not in said
    assert ">Sync anyway</button>" in preview.text
    assert 'name="confirm" value="1"' in preview.text
    assert cell(preview.text, "News", "removed-from-cc") == "2"

    token = csrf_of(preview.text)
    form = {"csrf_token": token, "direction": "crm_to_cc"}
    stopped = admin.post("/lists/sync", data=form, follow_redirects=False)
    assert stopped.status_code == 303
    assert "stopped before writing anything" in finished(admin)["status"]
    assert cc_members(scene, "News") == emails(*names)
    anyway = admin.post("/lists/sync", data={**form, "confirm": "1"}, follow_redirects=False)
    assert anyway.status_code == 303
    assert "list sync run" in finished(admin)["status"]
    assert cc_members(scene, "News") == emails(*names[2:])


def test_an_unknown_list_to_sync_is_said_by_the_form(scene: Scene, admin: TestClient) -> None:
    lists(scene, "create", "News")
    answer = post(admin, "/lists/sync/preview", list="Nope", direction="both")
    assert answer.status_code == 400
    error = re.search(r'id="sync-error">([^<]*)<', answer.text)
    assert error
    assert "no Constant Contact list named 'Nope'" in unescape(error.group(1))


def test_a_busy_connection_refuses_with_who_holds_it(
    scene: Scene,
    admin: TestClient,
) -> None:
    lists(scene, "create", "News")
    token = csrf_of(admin.get("/lists").text)
    with locked_run(scene.store, scene.connection_id, "push", started_by("cli")) as (_, run):
        for path, form in (
            ("/lists", {"name": "Other"}),
            ("/lists/News/hide", {}),
            ("/lists/sync", {"direction": "both"}),
        ):
            refused = admin.post(path, data={"csrf_token": token, **form}, follow_redirects=False)
            assert refused.status_code == 409, path
            notice = re.search(r'id="lists-refused">([^<]*)<', refused.text)
            assert notice, path
            assert "is busy" in notice.group(1), path
            assert re.search(rf"push .*run {run.run_id}\b", unescape(notice.group(1))), path
    assert cc_list_names(scene) == {"News"}
    assert overview(scene)["News"]["status"] == "active"


def test_a_viewer_sees_the_lists_and_changes_nothing(scene: Scene, client: TestClient) -> None:
    lists(scene, "create", "News")
    sign_in(client, "viewer")
    page = client.get("/lists")
    assert page.status_code == 200
    assert cell(page.text, "News", "crm-members") == "0"
    assert 'id="create-list"' not in page.text
    assert "Preview sync" not in page.text
    token = csrf_of(page.text)
    for path in ("/lists", "/lists/News/rename", "/lists/News/hide", "/lists/News/unhide",
                 "/lists/News/delete", "/lists/sync/preview", "/lists/sync"):  # fmt: skip
        answer = client.post(path, data={"csrf_token": token, "name": "X", "new_name": "X"})
        assert answer.status_code == 403, path
    assert client.get("/lists/News/delete").status_code == 403
    assert cc_list_names(scene) == {"News"}


def test_before_connecting_the_page_says_so(admin: TestClient) -> None:
    page = admin.get("/lists")
    assert page.status_code == 200
    notice = re.search(r'id="lists-unavailable">([^<]*)<', page.text)
    assert notice, page.text
    assert "not connected" in unescape(notice.group(1)).lower()
    refused = post(admin, "/lists", name="News", status="active")
    assert refused.status_code == 409
    assert 'id="lists-refused"' in refused.text
    assert "Traceback" not in refused.text
