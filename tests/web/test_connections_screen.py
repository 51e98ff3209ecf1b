"""/connections: the table of the install's connections, creating one (on its own, or
reusing another's authorisation as `connect --reuse` does, checked as its CLI tests check
it), the refusals beside their field, switching, and who may do what."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
)
from tests.web.conftest import TestClient, csrf_of, sign_in

from listbridge.store.connections import connection_names, find_connection
from listbridge.store.db import Store
from listbridge.store.models import CcAccount
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import StoredTokens, sharing_with
from listbridge.web.connect_flow import connect_headless, emulator_app

pytestmark = pytest.mark.db


@pytest.fixture
def connected(site: Store, cc: CcEmulator) -> Store:  # noqa: F811
    """`default` connected to the emulator, as `connect --emulator URL` connects."""
    default = find_connection(site, "default")
    assert default is not None
    connect_headless(site, default, emulator_app(cc.base_url))
    return site


def create(client: TestClient, **form: str) -> object:
    page = client.get("/connections")
    data = {"csrf_token": csrf_of(page.text), **form}
    return client.post("/connections", data=data, follow_redirects=False)


def token_rows(store: Store) -> int:
    query = select(func.count()).select_from(CcAccount).where(CcAccount.tokens_enc.is_not(None))
    with store.session() as session:
        return int(session.scalar(query) or 0)


def test_the_table_marks_the_current_one(admin: TestClient, connected: Store) -> None:
    page = admin.get("/connections")
    assert page.status_code == 200
    assert 'data-name="default" class="current" aria-current="true"' in page.text
    assert "Listbridge Emulated Nonprofit" in page.text
    assert "builtin" in page.text
    assert ">ok<" in page.text
    assert "Create a connection" in page.text


def test_create_then_connect_it_on_setup(admin: TestClient, site: Store) -> None:
    sent = create(admin, name="branch-office")
    assert sent.status_code == 303
    assert sent.headers["location"] == "/setup?connection=branch-office"
    assert "branch-office" in connection_names(site)
    setup = admin.get(sent.headers["location"])
    assert 'option value="branch-office" selected' in setup.text  # chosen, and kept
    table = admin.get("/connections").text
    assert 'data-name="branch-office" class="current"' in table
    assert "not connected" in table


def test_create_reusing_shares_one_authorisation(admin: TestClient, connected: Store) -> None:
    issued = token_rows(connected)
    sent = create(admin, name="second", reuse="default")
    assert sent.status_code == 303, sent.text
    location = urlsplit(sent.headers["location"])
    assert location.path == "/connections"
    assert parse_qs(location.query)["connection"] == ["second"]
    # as the CLI's `connect --reuse` tests check it: one stored authorisation, not a copy
    assert token_rows(connected) == issued == 1
    second, default = find_connection(connected, "second"), find_connection(connected, "default")
    assert second is not None
    assert default is not None
    assert sharing_with(connected, second) == ["default"]
    box = secret_box(connected)
    assert (
        StoredTokens(connected, second, box).load() == StoredTokens(connected, default, box).load()
    )
    page = admin.get(sent.headers["location"])
    assert "using default&#39;s authorisation" in page.text
    assert "uses default's authorisation" in page.text
    assert 'data-name="second" class="current"' in page.text


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"name": ""}, "name", "needs a name"),
        ({"name": "default"}, "name", "already a connection named 'default'"),
        ({"name": "two words"}, "name", "not a usable connection name"),
        ({"name": "<script>"}, "name", "not a usable connection name"),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"name": "third", "reuse": "nowhere"}, "reuse", "no connection named 'nowhere' to reuse"),
        ({"name": "third", "reuse": "default"}, "reuse", "not connected to Constant Contact"),
    ],
)
def test_refusals_are_said_beside_the_field(
    admin: TestClient, site: Store, form: dict[str, str], field: str, said: str
) -> None:
    before = connection_names(site)
    sent = create(admin, **form)
    assert sent.status_code == 400
    assert said.replace("'", "&#39;") in sent.text.split(f'id="new-{field}-error">')[1]
    assert "<script>" not in sent.text.split("<main", 1)[1]
    assert connection_names(site) == before  # nothing half made


def test_switch_marks_the_chosen_one(admin: TestClient, site: Store) -> None:
    create(admin, name="other")
    switched = admin.get("/connections?connection=default")
    assert 'data-name="default" class="current"' in switched.text
    assert '<button type="submit" class="secondary" aria-label="Switch to other">' in switched.text
    again = admin.get("/connections")  # the cookie keeps the choice
    assert 'data-name="default" class="current"' in again.text
    admin.get("/connections?connection=other")
    assert 'option value="other" selected' in admin.get("/sync").text  # every page follows


def test_a_viewer_sees_but_may_not_create(client: TestClient, site: Store) -> None:
    sign_in(client, "viewer")
    page = client.get("/connections")
    assert page.status_code == 200
    assert 'id="create-connection"' not in page.text
    assert "needs the <em>connect</em> permission" in page.text
    sent = client.post(
        "/connections", data={"csrf_token": csrf_of(page.text), "name": "mine"},
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 403
    assert "mine" not in connection_names(site)
