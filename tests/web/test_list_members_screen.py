"""/lists/NAME against a store connected to the emulator (builtin CRM): the members of
both sides with their state, paged and searched; removing, adding through the search
(the default exclusions as criteria one may drop), binding; the live filter check; a
viewer refused every change; names shown as text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from tests.sync.conftest import Scene
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in

from listbridge.core.accounts import Account
from listbridge.core.permissions import Permission
from listbridge.store.runs import list_runs, run_errors
from listbridge.store.users import add_group, add_user, grant
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

LIST = "Friends"


@pytest.fixture
def people(scene: Scene) -> Scene:
    """`Friends` made on both sides; `manager` may view and manage lists, `viewer` only view."""
    assert scene.cli("lists", "create", LIST).exit_code == 0
    add_group(scene.store, "managers")
    for permission in (Permission.VIEW, Permission.MANAGE_LISTS):
        grant(scene.store, "managers", permission)
    add_user(scene.store, "manager", PASSWORD, groups=["managers"])
    add_group(scene.store, "viewers")
    grant(scene.store, "viewers", Permission.VIEW)
    add_user(scene.store, "viewer", PASSWORD, groups=["viewers"])
    return scene


@pytest.fixture
def browser(people: Scene) -> Iterator[TestClient]:
    with TestClient(create_app(people.store)) as client:
        yield client


@pytest.fixture
def manager(browser: TestClient) -> TestClient:
    sign_in(browser, "manager")
    return browser


def on_crm_list(where: Scene, *ids: str) -> None:
    where.crm.add_to_list(LIST, list(ids), reason="test setup")


def states(html: str) -> dict[str, str]:
    """Account id → state, as the members table shows them."""
    rows = re.findall(
        r'<tr data-state="(\w+)">.*?<a href="/accounts/[^"]*">([^<]*)</a>', html, re.S
    )
    return {account: state for state, account in rows}


def count(html: str, box: str) -> int:
    found = re.search(rf'id="{box}">(\d+)<', html)
    assert found, box
    return int(found.group(1))


def post(client: TestClient, path: str, data: dict[str, object]) -> httpx.Response:
    token = csrf_of(client.get(f"/lists/{LIST}").text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_members_with_their_state_and_the_counts_of_each_side(
    people: Scene, manager: TestClient
) -> None:
    people.add_account("a1", "ada@example.org", "Ada", "Lovelace")
    people.add_account("a2", "bob@example.org", "Bob", "Crm")
    people.add_account("a3", "out@example.org", "Olive", "Out", email_opt_out=True)
    assert people.cli("lists", "add", LIST, "--account", "a1").exit_code == 0
    on_crm_list(people, "a2", "a3")

    page = manager.get(f"/lists/{LIST}")
    assert page.status_code == 200
    assert states(page.text) == {"a1": "linked", "a2": "crm_only", "a3": "blocked_by_consent"}
    assert count(page.text, "crm-members") == 3
    assert count(page.text, "cc-members") == 1
    assert 'id="binding">nothing' in page.text

    # taken off the CRM list outside any job: CC's side alone, listed after the CRM's
    people.add_account("a0", "zoe@example.org", "Zoe", "Both")
    assert people.cli("lists", "add", LIST, "--account", "a0").exit_code == 0
    people.crm.remove_from_list(LIST, ["a0"], reason="test setup")
    assert people.cli("crm", "delete", "a2").exit_code == 0  # a deleted account is on no list
    page = manager.get(f"/lists/{LIST}")
    assert list(states(page.text).items()) == [
        ("a1", "linked"), ("a3", "blocked_by_consent"), ("a0", "cc_only")
    ]  # fmt: skip
    assert count(page.text, "crm-members") == 2
    assert count(page.text, "cc-members") == 2
    assert states(manager.get(f"/lists/{LIST}?q=ZOE@").text) == {"a0": "cc_only"}
    assert states(manager.get(f"/lists/{LIST}?q=ada lovelace").text) == {"a1": "linked"}


def test_pages_of_fifty_and_a_search_on_name_and_email(people: Scene, manager: TestClient) -> None:
    ids = people.add_accounts(
        [Account(f"p{n:03}", email=f"p{n:03}@example.org", first_name=f"P{n:03}", last_name="Page")
         for n in range(60)] + [Account("zed", email="zed@elsewhere.net", first_name="Zed")]
    )  # fmt: skip
    on_crm_list(people, *ids)
    first, second = manager.get(f"/lists/{LIST}").text, manager.get(f"/lists/{LIST}?page=2").text
    assert len(states(first)) == 50
    assert len(states(second)) == 11
    assert "Page 1 of 2" in first
    assert f'href="/lists/{LIST}?page=2"' in first
    assert set(states(first)).isdisjoint(states(second))
    assert list(states(manager.get(f"/lists/{LIST}?q=ELSEWHERE").text)) == ["zed"]
    assert list(states(manager.get(f"/lists/{LIST}?q=p007").text)) == ["p007"]
    assert "Nobody on this list matches" in manager.get(f"/lists/{LIST}?q=nobody-at-all").text


def test_remove_selected_takes_them_off_both_sides(people: Scene, manager: TestClient) -> None:
    people.add_account("a1", "ada@example.org", "Ada", "Lovelace")
    people.add_account("a2", "bea@example.org", "Bea", "Kept")
    assert people.cli("lists", "add", LIST, "--account", "a1", "--account", "a2").exit_code == 0

    answer = post(manager, f"/lists/{LIST}/remove", {"account": ["a1"]})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"/lists/{LIST}?run=")
    page = manager.get(answer.headers["location"]).text
    assert 'id="change-done"' in page
    assert "removed 1" in page
    assert states(page) == {"a2": "linked"}
    assert count(page, "cc-members") == 1
    assert post(manager, f"/lists/{LIST}/remove", {}).status_code == 400


def test_the_live_check_points_at_the_error(people: Scene, manager: TestClient) -> None:
    good = manager.get(f"/lists/{LIST}/check", params={"where": 'city = "Lyon"'}).json()
    assert good == {"ok": True, "message": "", "position": None, "column": None}
    bad = manager.get(f"/lists/{LIST}/check", params={"where": 'city = "Lyon" and citty = "x"'})
    answer = bad.json()
    assert answer["ok"] is False
    assert answer["position"] == 18
    assert answer["column"] == 19
    assert "unknown field 'citty'" in answer["message"]
    assert "city" in answer["message"]
    # without JavaScript, the search says the same beside the field
    page = manager.get(
        f"/lists/{LIST}/add", params={"searched": "1", "where": 'city = "Lyon" and citty = "x"'}
    )
    assert page.status_code == 400
    assert "column 19: unknown field" in page.text
    assert 'aria-invalid="true"' in page.text


def search(client: TestClient, where: str, keep: list[str] | None = None) -> httpx.Response:
    params: dict[str, object] = {"searched": "1", "where": where}
    kept = keep if keep is not None else [
        "individual", "not_deceased", "not_do_not_contact", "not_opted_out", "has_email"
    ]  # fmt: skip
    return client.get(f"/lists/{LIST}/add", params={**params, "keep": kept})


def test_add_by_search_and_a_dropped_default_exclusion(people: Scene, manager: TestClient) -> None:
    people.add_account("a1", "ada@example.org", "Ada", "Family")
    people.add_account("d1", "dee@example.org", "Dee", "Family", deceased=True)
    everything = ["individual", "not_do_not_contact", "not_opted_out", "has_email"]

    kept = search(manager, 'last_name = "Family"')
    assert kept.status_code == 200
    assert 'id="found-count">1<' in kept.text
    assert "dee@example.org" not in kept.text
    dropped = search(manager, 'last_name = "Family"', everything)
    assert 'id="found-count">2<' in dropped.text
    assert "dee@example.org" in dropped.text
    assert "the account is marked deceased" in dropped.text

    token = csrf_of(kept.text)
    form = {"csrf_token": token, "where": 'last_name = "Family"', "keep": everything}
    answer = manager.post(f"/lists/{LIST}/add", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    run = list_runs(people.store, people.connection_id, kind="lists")[0]
    assert run.counts["selected"] == 2
    assert run.counts["added"] == 1
    assert [e.account_id for e in run_errors(people.store, run.run_id)] == ["d1"]
    assert states(manager.get(answer.headers["location"]).text) == {"a1": "linked"}

    form = {
        "csrf_token": token,
        "where": 'last_name = "Family"',
        "keep": [*everything, "not_deceased"],
    }
    again = manager.post(f"/lists/{LIST}/add", data=form, follow_redirects=False)
    assert again.status_code == 303
    run = list_runs(people.store, people.connection_id, kind="lists")[0]
    assert run.counts["selected"] == 1  # `lists add --where`: the deceased one never chosen


def test_add_ticked_accounts_only(people: Scene, manager: TestClient) -> None:
    people.add_account("a1", "ada@example.org", "Ada", "Family")
    people.add_account("a2", "bea@example.org", "Bea", "Family")
    form = {"csrf_token": csrf_of(search(manager, 'last_name = "Family"').text),
            "where": 'last_name = "Family"', "account": ["a2"]}  # fmt: skip
    answer = manager.post(f"/lists/{LIST}/add", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert states(manager.get(f"/lists/{LIST}").text) == {"a2": "linked"}


def test_criteria_rows_compose_into_the_filter(people: Scene, manager: TestClient) -> None:
    people.add_account("a1", "ada@example.org", "Ada", "Lovelace", city="Lyon")
    people.add_account("a2", "bea@example.org", "Bea", "Other", city="Paris")
    params = {"searched": "1", "keep": ["individual"], "field": ["city", "deceased"],
              "op": ["=", "="], "value": ["Lyon", "false"], "where": ""}  # fmt: skip
    page = manager.get(f"/lists/{LIST}/add", params=params)
    assert page.status_code == 200
    assert "type = &#34;individual&#34; and city = &#34;Lyon&#34; and deceased = false" in page.text
    assert 'id="found-count">1<' in page.text
    assert "ada@example.org" in page.text
    bad = manager.get(f"/lists/{LIST}/add", params={**params, "value": ["Lyon", "maybe"]})
    assert bad.status_code == 400
    assert "deceased = maybe" in bad.text


def test_bind_to_a_filter_and_to_a_crm_list(people: Scene, manager: TestClient) -> None:
    answer = post(manager, f"/lists/{LIST}/bind", {"where": 'city = "Lyon"'})
    assert answer.status_code == 303
    page = manager.get(f"/lists/{LIST}").text
    assert "the filter city = &#34;Lyon&#34;" in page

    wrong = post(manager, f"/lists/{LIST}/bind", {"where": "city = Lyon"})
    assert wrong.status_code == 400
    assert 'id="bind-where-error"' in wrong.text
    assert "text values need double quotes" in wrong.text

    people.crm.create_list("Donors", reason="test setup")
    assert post(manager, f"/lists/{LIST}/bind", {"crm_list": "Donors"}).status_code == 303
    page = manager.get(f"/lists/{LIST}").text
    assert 'id="binding">the CRM list Donors' in page
    assert '<option value="Donors" selected>' in page


def test_an_unknown_list_is_404(people: Scene, manager: TestClient) -> None:
    for path in ("/lists/Nope", "/lists/Nope/add", "/lists/Nope/check?where=x"):
        answer = manager.get(path)
        assert answer.status_code == 404
        assert "There is no list named &#39;Nope&#39; (lists: Friends)" in answer.text
    assert post(manager, "/lists/Nope/remove", {"account": ["a1"]}).status_code == 404


def test_a_viewer_sees_but_changes_nothing(people: Scene, browser: TestClient) -> None:
    people.add_account("a1", "ada@example.org", "Ada", "Lovelace")
    on_crm_list(people, "a1")
    sign_in(browser, "viewer")
    page = browser.get(f"/lists/{LIST}")
    assert page.status_code == 200
    assert "Remove selected" not in page.text
    assert browser.get(f"/lists/{LIST}/add").status_code == 403
    for action, data in (("remove", {"account": ["a1"]}), ("add", {"account": ["a1"]}),
                         ("bind", {"where": 'city = "x"'})):  # fmt: skip
        assert post(browser, f"/lists/{LIST}/{action}", data).status_code == 403
    assert list_runs(people.store, people.connection_id, kind="lists")[0].message.startswith(
        "lists create"
    )


def test_names_are_shown_as_text(people: Scene, manager: TestClient) -> None:
    evil = "<script>alert(1)</script>"
    people.add_account("x1", "x@example.org", evil, "Family")
    on_crm_list(people, "x1")
    for page in (manager.get(f"/lists/{LIST}").text, search(manager, 'last_name = "Family"').text):
        assert evil not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("crm_name", ["sql-postgresql"])
def test_another_crm_is_read_live_as_lists_members_reads_it(
    people: Scene, manager: TestClient
) -> None:
    """Its lists are in its own database: the page reads both sides as the CLI does."""
    ada = people.add_account("a1", "ada@example.org", "Ada", "Lovelace")
    bob = people.add_account("a2", "bob@example.org", "Bob", "Crm")
    assert people.cli("lists", "add", LIST, "--account", ada).exit_code == 0
    on_crm_list(people, bob)
    page = manager.get(f"/lists/{LIST}").text
    assert states(page) == {ada: "linked", bob: "crm_only"}
    assert count(page, "crm-members") == 2
    assert count(page, "cc-members") == 1
    assert states(manager.get(f"/lists/{LIST}?q=bob").text) == {bob: "crm_only"}
