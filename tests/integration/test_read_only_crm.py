"""A mapped CRM with `read_only = true`: listbridge reads it and writes nothing to it.
An import reports whom it would have created and whose opt-out it would have set, an
unsubscribe sync what it would have opted out, and a list sync towards the CRM is
refused naming the mapping's line; the CRM's rows are the same after all of it.

The members database of docs/mapping-example.toml on MariaDB, state store on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from tests.conftest import Cli
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.support.sqlmap_db import example_mapping, members_engine
from tests.support.sqlmap_schema import people

from listbridge.constant_contact.models import ContactBody
from listbridge.crm.engines import dispose_engines
from listbridge.crm.sqlmap.lines import key_lines


@pytest.fixture
def members() -> Iterator[Engine]:
    with members_engine("mariadb") as engine:
        yield engine
    dispose_engines()


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    return Cli(f"sqlite:///{tmp_path / 'listbridge.db'}")


def _rows(members: Engine) -> list[tuple[Any, ...]]:
    with members.connect() as conn:
        return [tuple(r) for r in conn.execute(select(people).order_by(people.c.person_id))]


def _contact(wired: CcEmulator, news: str, email: str, first: str) -> str:  # noqa: F811
    body = {
        "email_address": {"address": email, "permission_to_send": "implicit"},
        "first_name": first,
        "create_source": "Account",
        "list_memberships": [news],
    }
    contact, _ = wired.client().create_contact(ContactBody.model_validate(body))
    return contact.contact_id


def test_a_read_only_crm_is_read_and_reported_on_never_written(
    sqlite_cli: Cli,
    wired: CcEmulator,  # noqa: F811
    members: Engine,
    tmp_path: Path,
) -> None:
    with members.begin() as conn:
        conn.execute(
            insert(people).values(
                first_name="Ann", last_name="Lee", email="ann@example.org", source="web"
            )
        )
    body = example_mapping().replace("read_only = false", "read_only = true")
    mapping = tmp_path / "members.toml"
    mapping.write_text(body, encoding="utf-8")
    assert sqlite_cli("connect", "--emulator", wired.base_url).exit_code == 0
    url = members.url.render_as_string(hide_password=False)
    chosen = sqlite_cli("crm", "use", "sql", "--mapping", str(mapping), "--url", url)
    assert chosen.exit_code == 0, chosen.output
    before = _rows(members)
    news = wired.client().create_list("News").list_id
    ann = _contact(wired, news, "ann@example.org", "Ann")
    _contact(wired, news, "bo@example.org", "Bo")

    imported = sqlite_cli("import", "--list", "News", "--json")
    assert imported.exit_code == 0, imported.output
    result = json.loads(imported.stdout)
    assert (result["created"], result["matched"], result["not_imported"]) == (0, 1, 1)
    assert [e["reason"] for e in result["errors"]] == [
        "the CRM is read-only for listbridge (read_only = true in its mapping) (would have "
        "created an account: no CRM account has this e-mail address)"
    ]

    # Ann, linked now, unsubscribes: the next import and the unsubscribe sync say what
    # they would have written to her account.
    wired.control.post(f"/contacts/{ann}/unsubscribe").raise_for_status()
    unsubscribes = sqlite_cli("unsubscribes", "sync", "--json")
    assert unsubscribes.exit_code == 0, unsubscribes.output
    reported = json.loads(unsubscribes.stdout)
    assert reported["crm_opted_out"] == 0
    assert any("would have opted out account 1" in e["reason"] for e in reported["errors"])

    again = json.loads(sqlite_cli("import", "--list", "News", "--json").stdout)
    assert (
        "would have opted out account 1 (unsubscribed in Constant Contact and "
        "unsubscribe.cc_to_crm is true); the CRM is read-only for listbridge (read_only = "
        "true in its mapping)"
    ) in [e["reason"] for e in again["errors"]]

    lists = sqlite_cli("lists", "sync", "--direction", "cc_to_crm")
    assert lists.exit_code == 2, lists.output
    line = key_lines(body)[("read_only",)]
    assert f"members.toml line {line} (read_only): the CRM is read-only for listbridge" in (
        lists.stderr
    )
    assert _rows(members) == before
