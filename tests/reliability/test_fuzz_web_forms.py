"""The web admin's forms and search boxes with text Hypothesis makes up, signed in as the
administrator: settings, a new connection, sign-in, account search, an account's page and
push, the audit filters.

Every answer is a page (2xx, a redirect, or a 4xx that says what is wrong), never a 500;
a refused settings form changes no setting. A NUL byte (%00 in a form) is text like any
other: PostgreSQL cannot store it, so it must be refused before it reaches the database.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from hypothesis import example, given
from hypothesis import strategies as st
from tests.reliability.fuzz_support import fuzz, tally
from tests.web.conftest import (  # noqa: F401  (fixtures used here)
    TestClient,
    admin,
    client,
    csrf_of,
    site,
)

from listbridge.core.settings import SETTINGS, views
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.settings import effective_settings

ODD = ["\x00", "a\x00b", "<script>alert(1)</script>", "x" * 5_000, "Zoë", " ", "=1+1", "%00",
       "../../etc/passwd", "'; DROP TABLE accounts; --", "\r\n", "😀", "ﬁ", "İ"]  # fmt: skip
FINE = ["branch-office", "second", "A1", "2025-01-01", "crm", "true", "60"]
texts = st.one_of(st.sampled_from(ODD), st.sampled_from(FINE), st.text(max_size=30))
AUDIT = ["record", "run", "side", "field", "since", "until", "before"]


def settings_now(store: Store) -> dict[str, str]:
    chosen = effective_settings(store, connection_id(store, "default"))
    return {view.key: view.text for view in views(chosen)}


def answered(response: httpx.Response, what: str) -> str:
    """accepted (2xx/3xx) or refused (4xx, a page that says so): never a server error."""
    assert response.status_code < 500, (what, response.status_code, response.text[:500])
    assert "Traceback" not in response.text
    outcome = "refused" if response.status_code >= 400 else "accepted"
    if outcome == "refused" and response.status_code != 404:
        assert response.text.strip(), (what, response.status_code)
    tally(f"web {what}", outcome)
    return outcome


def form(signed_in: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of(signed_in.get("/settings").text)
    return signed_in.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


@given(key=st.sampled_from(SETTINGS.keys), value=texts)
@example(key="push.tag", value="News\x00")
@fuzz(8)
def test_the_settings_form_takes_or_refuses_any_value(
    admin: TestClient,  # noqa: F811
    site: Store,  # noqa: F811
    key: str,
    value: str,
) -> None:
    before = settings_now(site)
    if answered(form(admin, "/settings", {key: value}), "POST /settings") == "refused":
        assert settings_now(site) == before, "a refused settings form changed a setting"


@given(text=texts, where=st.sampled_from(["connections", "login", "accounts", "push", "audit"]))
@example(text="a\x00b", where="connections")
@example(text="a\x00b", where="login")
@example(text="a\x00b", where="accounts")
@example(text="a\x00b", where="push")
@example(text="a\x00b", where="audit")
@fuzz(12)
def test_any_text_in_a_form_or_search_gets_a_page(
    admin: TestClient,  # noqa: F811
    site: Store,  # noqa: F811
    text: str,
    where: str,
) -> None:
    if where == "connections":
        answered(form(admin, "/connections", {"name": text}), "POST /connections")
    elif where == "login":
        with TestClient(admin.app) as stranger:
            token = csrf_of(stranger.get("/login").text)
            data = {"csrf_token": token, "name": text, "password": text}
            answered(stranger.post("/login", data=data, follow_redirects=False), "POST /login")
    elif where == "accounts":
        answered(admin.get("/accounts", params={"q": text}), "GET /accounts")
        answered(admin.get(f"/accounts/{_path(text)}"), "GET /accounts/{id}")
    elif where == "push":
        answered(form(admin, f"/accounts/{_path(text)}/push", {}), "POST /accounts/{id}/push")
    else:
        params = dict.fromkeys(AUDIT, text)
        answered(admin.get("/audit", params=params), "GET /audit")


def _path(text: str) -> str:
    """`text` as one path segment, every byte of it (NUL included) percent-encoded."""
    return quote(text, safe="") or "x"
