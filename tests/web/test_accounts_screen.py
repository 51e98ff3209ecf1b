"""/accounts and /accounts/{id}: the search (by id, name, organisation, e-mail; paged), the
account page with what `crm show` tells (fields, lists, pushes, consent, campaigns,
changes), and the push of one account to Constant Contact, against the emulator: an
opted-out contact is a failed subscription, never put back on the list."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from tests.support.campaign_results import SPRING_NAME, seed_results
from tests.sync.conftest import Scene
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in

from listbridge.core.accounts import Account, AccountType
from listbridge.core.permissions import Permission
from listbridge.crm.factory import open_crm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.locks import locked_run
from listbridge.store.models import CcLink
from listbridge.store.runs import list_runs, started_by
from listbridge.store.users import add_group, add_user, grant
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

HOSTILE = "<script>alert(1)</script>"


def add(store: Store, *accounts: Account) -> None:
    crm = open_crm(store, connection_id(store, "default"))
    for account in accounts:
        crm.create(account, reason="test setup")


def ids_on(page: str) -> list[str]:
    return re.findall(r'<td><a href="/accounts/[^"]+">([^<]+)</a></td>', page)


def section(page: str, section_id: str) -> str:
    return page[page.index(f'id="{section_id}"') :].split("</section>", 1)[0]


def test_search_by_id_name_organisation_and_email(site: Store, admin: TestClient) -> None:
    add(
        site,
        Account("A1", first_name="Grace", last_name="Hopper", email="grace@navy.example"),
        Account("A2", first_name="Ada", last_name="Lovelace", email="ada@engine.example"),
        Account("B7", type=AccountType.ORGANIZATION, company_name="Analytical Engines Ltd"),
    )
    assert ids_on(admin.get("/accounts").text) == ["A1", "A2", "B7"]
    assert ids_on(admin.get("/accounts?q=grace hopper").text) == ["A1"]
    assert ids_on(admin.get("/accounts?q=ENGINE").text) == ["A2", "B7"]  # e-mail, organisation
    assert ids_on(admin.get("/accounts?q=b7").text) == ["B7"]
    assert ids_on(admin.get("/accounts?q=%25").text) == []  # a wildcard is a letter here
    missing = admin.get("/accounts?q=nobody-like-this").text
    assert "No account matches “nobody-like-this”" in missing


def test_results_are_paged_fifty_at_a_time(site: Store, admin: TestClient) -> None:
    add(site, *(Account(f"P{i:03}", last_name=f"Person {i}") for i in range(120)))
    first = admin.get("/accounts?q=person").text
    assert ids_on(first) == [f"P{i:03}" for i in range(50)]
    assert 'href="/accounts?q=person&amp;page=2"' in first
    last = admin.get("/accounts?q=person&page=3").text
    assert ids_on(last) == [f"P{i:03}" for i in range(100, 120)]
    assert "page=4" not in last
    assert 'href="/accounts?q=person&amp;page=2"' in last
    assert admin.get("/accounts?page=0").status_code == 400


def test_an_unknown_account_is_404_with_a_clear_message(admin: TestClient) -> None:
    answer = admin.get("/accounts/no-such-id")
    assert answer.status_code == 404
    assert "no account with id &#39;no-such-id&#39;" in answer.text


def test_the_account_page_shows_what_crm_show_tells(site: Store, admin: TestClient) -> None:
    add(site, Account("A1", first_name="Ann", last_name="Lee", email="a1@example.org"))
    crm = open_crm(site, connection_id(site, "default"))
    crm.update_fields("A1", {"city": "Leeds"}, reason="moved (test)")
    crm.set_email_opt_out("A1", True, reason="asked by phone (test)")
    crm.create_list("Volunteers", reason="test")
    crm.add_to_list("Volunteers", ["A1"], reason="test")
    seed_results(site)
    page = admin.get("/accounts/A1")
    assert page.status_code == 200
    fields = section(page.text, "fields")
    assert "a1@example.org" in fields
    assert "Leeds" in fields
    assert "Volunteers" in fields
    assert "Not linked to a Constant Contact contact" in section(page.text, "cc-lists")
    assert "Never pushed" in section(page.text, "last-push")
    consent = section(page.text, "consent-history")
    assert "email_opt_out" in consent
    assert "asked by phone (test)" in consent
    assert "city" not in consent
    changes = section(page.text, "change-history")
    assert "city" in changes
    assert "Leeds" in changes
    assert "moved (test)" in changes
    campaigns = section(page.text, "campaign-history")
    assert SPRING_NAME in campaigns
    assert "opened 3×" in campaigns


def test_names_are_shown_as_text(site: Store, admin: TestClient) -> None:
    add(site, Account("X/1", first_name=HOSTILE, last_name="Doe", city=HOSTILE))
    results = admin.get("/accounts?q=script").text
    [link] = re.findall(r'<td><a href="(/accounts/[^"]+)">X/1</a></td>', results)
    for page in (results, admin.get(link).text):
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    results = admin.get(f"/accounts?q={HOSTILE}").text
    assert HOSTILE not in results
    assert ids_on(results) == ["X/1"]


def test_a_viewer_sees_the_page_but_may_not_push(site: Store, client: TestClient) -> None:
    add(site, Account("A1", first_name="Ann", email="a1@example.org"))
    sign_in(client, "viewer")
    page = client.get("/accounts/A1")
    assert page.status_code == 200
    assert 'id="push-account"' not in page.text
    token = csrf_of(page.text)
    refused = client.post("/accounts/A1/push", data={"csrf_token": token, "list": "x"})
    assert refused.status_code == 403


def test_without_a_connection_to_cc_the_page_says_so(site: Store, admin: TestClient) -> None:
    add(site, Account("A1", first_name="Ann", email="a1@example.org"))
    page = admin.get("/accounts/A1").text
    assert 'id="push-account"' not in page
    assert "Not connected to Constant Contact" in page
    token = csrf_of(page)
    refused = admin.post("/accounts/A1/push", data={"csrf_token": token, "mode": "contact"})
    assert refused.status_code == 409
    assert re.search(
        r'id="push-refused">not connected to Constant Contact.*Setup page', refused.text
    )
    assert list_runs(site, connection_id(site, "default")) == []


# ── against the emulator ──


@pytest.fixture
def pusher(scene: Scene) -> Iterator[TestClient]:
    """An operator (view, run_syncs) signed in to the app over the scene's store."""
    add_group(scene.store, "operators")
    for permission in (Permission.VIEW, Permission.RUN_SYNCS):
        grant(scene.store, "operators", permission)
    add_user(scene.store, "ada", PASSWORD, groups=["operators"])
    with TestClient(create_app(scene.store)) as client:
        sign_in(client, "ada")
        yield client


def push(client: TestClient, account_id: str, lists: list[str], mode: str) -> httpx.Response:
    token = csrf_of(client.get(f"/accounts/{account_id}").text)
    form = {"csrf_token": token, "list": lists, "mode": mode}
    return client.post(f"/accounts/{account_id}/push", data=form, follow_redirects=False)


def mirror_lists(scene: Scene) -> None:
    """The lists as the Lists page reads them (the account page offers the mirror's)."""
    assert scene.cli("lists", "ls").exit_code == 0


def test_push_one_account_links_and_lists_it(scene: Scene, pusher: TestClient) -> None:
    scene.add_list("Members")
    scene.add_list("Donors")
    mirror_lists(scene)
    scene.add_account("A1", "ann@example.org", "Ann", "Lee")
    scene.add_account("A2", "bob@example.org", "Bob", "Ray")  # not pushed: only A1 is
    form = pusher.get("/accounts/A1").text
    assert re.findall(r'name="list" value="([^"]+)"', form) == ["Donors", "Members"]
    answer = push(pusher, "A1", ["Members"], "contact")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/accounts/A1#last-push"
    contact = scene.contact_of("A1")
    assert contact
    assert scene.contact_of("A2") == ""
    assert scene.client.get_contact(contact).list_memberships == [scene.lists["Members"]]
    [run] = list_runs(scene.store, scene.connection_id, kind="push")
    assert run.started_by.startswith("web:ada ")
    page = pusher.get("/accounts/A1").text
    assert "Members" in section(page, "cc-lists")
    assert contact in section(page, "cc-lists")
    last = section(page, "last-push")
    assert f"Run {run.run_id}" in last
    assert 'id="push-outcome">pushed<' in last
    assert 'data-count="created">1<' in last

    # the subscriptions only: onto Donors, the name CC holds left as it is
    scene.crm.update_fields("A1", {"first_name": "Annie"}, reason="renamed (test)")
    assert push(pusher, "A1", ["Donors"], "subscription").status_code == 303
    held = scene.client.get_contact(contact)
    assert sorted(held.list_memberships) == sorted(scene.lists.values())
    assert held.first_name == "Ann"
    assert "Donors" in section(pusher.get("/accounts/A1").text, "cc-lists")


def test_an_opted_out_contact_is_a_failed_subscription(
    scene: Scene,
    pusher: TestClient,
) -> None:
    scene.add_list("Members")
    mirror_lists(scene)
    contact = scene.add_contact("ann@example.org", "Ann", "Lee", unsubscribed=True)
    scene.add_account("A1", "ann@example.org", "Ann", "Lee")
    assert push(pusher, "A1", ["Members"], "contact").status_code == 303
    assert scene.client.get_contact(contact).list_memberships == []
    page = pusher.get("/accounts/A1").text
    last = section(page, "last-push")
    assert 'id="push-outcome">failed subscription<' in last
    assert "not added to the list (failed subscription)" in last
    assert "Members" not in section(page, "cc-lists")
    assert 'id="consent-kept"' in last

    # opted out in the CRM: not pushed at all, and said so
    scene.add_account("A2", "bo@example.org", "Bo", "Ray", email_opt_out=True)
    assert push(pusher, "A2", ["Members"], "contact").status_code == 303
    assert scene.contact_of("A2") == ""
    last = section(pusher.get("/accounts/A2").text, "last-push")
    assert 'id="push-outcome">not pushed<' in last
    assert "the account has opted out of e-mail" in last


def test_subscription_only_needs_a_list_and_a_busy_connection_refuses(
    scene: Scene,
    pusher: TestClient,
) -> None:
    scene.add_account("A1", "ann@example.org", "Ann", "Lee")
    refused = push(pusher, "A1", [], "subscription")
    assert refused.status_code == 400
    assert "needs at least one list" in refused.text
    with locked_run(scene.store, scene.connection_id, "import", started_by("cli")) as (_, run):
        busy = push(pusher, "A1", [], "contact")
        assert busy.status_code == 409
        assert re.search(rf"cli \S+@\S+ started the import \(run {run.run_id}\) at", busy.text)
    assert list_runs(scene.store, scene.connection_id, kind="push") == []
    with scene.store.session() as session:
        assert session.get(CcLink, (scene.connection_id, "A1")) is None
