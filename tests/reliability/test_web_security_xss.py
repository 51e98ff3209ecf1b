"""Stored and reflected XSS: every text an administrator can save, and every query
parameter a page takes, comes back as text on every page.

The payloads go where a user's words are kept: CRM account fields (names, organisation,
city, title, a custom field), list names, a campaign name (pulled from the emulator),
every setting, connection names and user names. Then every page of the route table is
opened with the ids that exist (and with all payloads in every text query parameter) and
parsed: no script but ours, no event handler attribute, no `javascript:` link, no link of
the site's own that is a 404. The same pages, exports and event stream are then searched
for the tokens, the client secret and the encryption key (the CLI's outputs are searched
in test_secrets.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from argon2 import PasswordHasher
from fastapi.routing import APIRoute
from tests.conftest import Cli, empty_store_url
from tests.constant_contact.conftest import (  # noqa: F401 (fixtures)
    SECRET_CLIENT,
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.test_web_security_access import NEEDS
from tests.support.campaigns import send
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in, site  # noqa: F401
from tests.web.test_route_table import _api_routes

from listbridge.core.errors import UserError
from listbridge.core.settings import SETTINGS
from listbridge.store import passwords
from listbridge.store.db import Store
from listbridge.store.users import add_user
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

MARK = "lbxss"
PAYLOADS = (
    f"<script>alert('{MARK}')</script>",
    f'"><img src=x onerror=alert("{MARK}")>',
    f"javascript:alert('{MARK}')",
    f"'><svg onload=alert('{MARK}')>",
)
ACCOUNT_COLUMNS = ("first_name", "last_name", "company_name", "city", "title", "custom.Note")


class _Page(HTMLParser):
    """What a browser would run in a page: scripts, handlers, `javascript:` links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script> {values}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "data-check") and re.match(
                r"\s*javascript:", value or "", re.IGNORECASE
            ):
                self.found.append(f"<{tag} {name}={value!r}>")


def runnable(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    page.close()
    return page.found


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLite alone: escaping happens in the templates, whatever the database."""
    yield from empty_store_url("sqlite", request, tmp_path)


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


def _people(path: Path) -> Path:
    """An account per payload, in every text column."""
    header = ["id", "type", "email", *ACCOUNT_COLUMNS]
    rows = [",".join(header)]
    for n, payload in enumerate(PAYLOADS, start=1):
        cell = '"' + payload.replace('"', '""') + '"'
        rows.append(",".join([f"X{n}", "individual", f"xss{n}@example.org", *[cell] * 6]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _accepted(payload: str) -> dict[str, str]:
    """The settings whose values may be this payload (free text): saved, then shown."""
    accepted = {}
    for spec in SETTINGS.specs:
        try:
            spec.value_of(payload)
        except UserError:
            continue
        accepted[spec.key] = payload
    return accepted


def _store_payloads(cli: Cli, cc: CcEmulator, admin: TestClient, tmp_path: Path) -> list[str]:  # noqa: F811
    """Each payload saved wherever it is accepted; the refusal pages, with what was typed
    in them, are looked at too (what they would run, by form)."""
    loaded = cli("crm", "load", str(_people(tmp_path / "people.csv")))
    assert loaded.exit_code == 0, loaded.output
    token, found, saved = csrf_of(admin.get("/lists").text), [], 0
    for payload in PAYLOADS:
        forms = [
            ("/lists", {"name": payload}),
            ("/connections", {"name": payload}),
            ("/settings", dict.fromkeys(SETTINGS.keys, payload)),  # refused, each field said
            ("/settings", _accepted(payload)),
        ]
        for path, form in forms:
            answer = admin.post(path, data={"csrf_token": token, **form})
            saved += answer.status_code == 200 and len(answer.history) == 1
            found += [f"POST {path}: {bad}" for bad in runnable(answer.text)]
    assert saved >= 2 * len(PAYLOADS)  # every list, and some settings, for each payload
    accounts = [f"X{n}" for n in range(1, len(PAYLOADS) + 1)]  # one job: all on one list
    added = admin.post(
        f"/lists/{quote(PAYLOADS[0], safe='')}/add",
        data={"csrf_token": token, "account": accounts},
    )
    found += [f"POST add: {bad}" for bad in runnable(added.text)]
    assert cli("push", "--json").exit_code in (0, 2)
    listed = json.loads(cli("lists", "ls", "--json").stdout)
    ids = [row["cc_list_id"] for row in listed if row["cc_list_id"]]
    send(cc.control, ids, name=PAYLOADS[1], seed_value=3)
    assert cli("stats", "pull", "--json").exit_code == 0
    return found


def _ids(admin: TestClient) -> dict[str, list[str]]:
    """The ids each kind of page can be opened with, as the site's own links write them."""
    html = "".join(admin.get(page).text for page in ("/accounts", "/lists", "/stats", "/sync"))
    return {
        "account_id": sorted(set(re.findall(r'href="/accounts/([^"/?]+)"', html))),
        "name": sorted(set(re.findall(r'href="/lists/([^"/?]+)"', html))),
        "campaign_id": sorted(set(re.findall(r'href="/stats/([^"./?]+)"', html))),
        "run_id": sorted(set(re.findall(r'href="/sync/runs/(\d+)"', html))),
    }


def _get_routes(store: Store) -> list[tuple[str, APIRoute]]:
    return [
        (path, route)
        for path, route in _api_routes(create_app(store).routes)
        if "GET" in route.methods and ("GET", path) in NEEDS
    ]


def _urls(path: str, route: APIRoute, ids: dict[str, list[str]]) -> list[str]:
    """The page once per existing id, and once with the payloads (all in one) in all its
    text parameters."""
    found = re.search(r"\{(\w+)(?::path)?\}", path)
    pages = [path]
    if found is not None:
        pages = [path.replace(found.group(0), value) for value in ids[found.group(1)]]
    texts = [p.alias for p in route.dependant.query_params if p.field_info.annotation is str]
    if not texts:
        return pages
    query = urlencode(dict.fromkeys(texts, " ".join(PAYLOADS)))
    return [*pages, *(f"{page}?{query}" for page in pages)]


def test_every_saved_text_and_every_query_comes_back_as_text(
    wired: CcEmulator,  # noqa: F811
    site: Store,  # noqa: F811
    cli: Cli,
    tmp_path: Path,
    secret_key_file: Path,  # noqa: F811
) -> None:
    client = (
        "--client-id",
        SECRET_CLIENT.client_id,
        "--client-secret",
        SECRET_CLIENT.client_secret,
    )
    assert cli("connect", "--emulator", wired.base_url, *client).exit_code == 0
    for payload in PAYLOADS:
        add_user(site, payload, PASSWORD, admin=True)
    with TestClient(create_app(site)) as admin:
        sign_in(admin, PAYLOADS[1])
        found = _store_payloads(cli, wired, admin, tmp_path)
        ids = _ids(admin)
        assert {key: len(values) for key, values in ids.items()} == {
            "account_id": len(PAYLOADS), "name": len(PAYLOADS), "campaign_id": 1,
            "run_id": len(ids["run_id"]),
        }  # fmt: skip
        assert len(ids["run_id"]) >= 3  # the load, the push, the pull
        opened, missing, bodies = 0, [], []
        for path, route in _get_routes(site):
            for url in _urls(path, route, ids):
                answer = admin.get(url, follow_redirects=False)
                opened += 1
                bodies.append(answer.content)
                if answer.status_code == 404:  # every id is one the site linked to
                    missing.append(url)
                kind = answer.headers.get("content-type", "")
                if "html" in kind or "svg" in kind:
                    found += [f"GET {url}: {bad}" for bad in runnable(answer.text)]
    for name in (PAYLOADS[0], *PAYLOADS[2:]):  # the other users' names, in the header
        with TestClient(create_app(site)) as user:
            sign_in(user, name)
            home = user.get("/")
            assert home.status_code == 200
            found += [f"GET / as {name}: {bad}" for bad in runnable(home.text)]
    with TestClient(create_app(site)) as anonymous:  # the public pages reflect their query
        query = urlencode(dict.fromkeys(("next", "token"), " ".join(PAYLOADS)))
        for url in (f"/login?{query}", f"/signup?{query}"):
            found += [f"GET {url}: {bad}" for bad in runnable(anonymous.get(url).text)]
    assert missing == []  # a list named with a '/' (</script>) was 404 on its own links
    assert found == []
    assert opened >= 60
    # and no page, export or event stream shows a token, the client secret or the key
    secrets = [*wired.issued_tokens(), SECRET_CLIENT.client_secret, secret_key_file.read_text()]
    shown = b"".join(bodies)
    assert [s for s in secrets if s.strip().encode() in shown] == []
