"""`crm use sql --mapping FILE.toml` and `crm check` on a mapped CRM, through the CLI:
the documented example mapping (docs/mapping-example.toml) on its members database, on
MariaDB and PostgreSQL. A mapping with a mistake is refused at `crm use` naming its
line; once in use, `crm check` names each difference the database has since grown —
a table or column gone, a column of the wrong type, a value no translation covers —
with the mapping's line and the database object, in words and in JSON.

The state store is SQLite alone: these tests are about the CRM's database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.conftest import Cli
from tests.support.crm_db import CRM_BACKENDS
from tests.support.sqlmap_db import example_mapping, members_engine

from listbridge.crm.engines import dispose_engines
from listbridge.crm.sqlmap.lines import key_lines


@pytest.fixture(autouse=True)
def secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTBRIDGE_KEY_FILE", str(tmp_path / "keys" / "secret.key"))
    monkeypatch.delenv("LISTBRIDGE_SECRET_KEY", raising=False)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    return Cli(f"sqlite:///{tmp_path / 'listbridge.db'}")


@pytest.fixture(params=CRM_BACKENDS)
def members(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with members_engine(request.param) as engine:
        yield engine
    dispose_engines()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _mapping(tmp_path: Path, body: str, name: str = "members.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _line(body: str, *path: str) -> int:
    return key_lines(body)[path]


def test_crm_use_sql_takes_the_documented_example_and_names_it(
    sqlite_cli: Cli, members: Engine, tmp_path: Path
) -> None:
    path = _mapping(tmp_path, example_mapping())
    url = _url(members)
    done = sqlite_cli("crm", "use", "sql", "--mapping", str(path), "--url", url, "--json")
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert (answer["crm"], answer["mapping"]) == ("sql", "members.toml")
    status = json.loads(sqlite_cli("status", "--offline", "--json").stdout)
    assert status["crm"]["kind"] == "sql"
    # The file can go: the mapping is kept (encrypted) with the URL.
    path.unlink()
    checked = sqlite_cli("crm", "check", "--json")
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    assert report["ok"] is True
    assert report["problems"] == []
    assert any(
        line.startswith("table people: 28 columns, 25 written or read") for line in report["found"]
    )


def test_a_mapping_with_a_mistake_is_refused_at_crm_use_naming_its_line(
    sqlite_cli: Cli, members: Engine, tmp_path: Path
) -> None:
    body = example_mapping().replace('city = "town"', 'citty = "town"')
    path = _mapping(tmp_path, body)
    done = sqlite_cli("crm", "use", "sql", "--mapping", str(path), "--url", _url(members))
    assert done.exit_code == 2
    line = _line(body, "accounts", "columns", "citty")
    assert (
        f"members.toml: line {line} (accounts.columns.citty): unknown account field "
        "'citty' (did you mean 'city'?)" in done.stderr
    )

    body = example_mapping().replace('city = "town"', 'city = "village"')
    done = sqlite_cli(
        "crm", "use", "sql", "--mapping", str(_mapping(tmp_path, body)), "--url", _url(members)
    )
    assert done.exit_code == 2
    line = _line(body, "accounts", "columns", "city")
    assert (
        f"members.toml line {line} (accounts.columns.city): the table 'people' has no "
        "column 'village'" in done.stderr
    )

    no_url = sqlite_cli(
        "crm", "use", "sql", "--mapping", str(_mapping(tmp_path, example_mapping()))
    )
    assert no_url.exit_code == 2
    assert "no database: give --url, or url in the mapping's [database] table" in no_url.stderr
    missing = sqlite_cli(
        "crm", "use", "sql", "--mapping", str(tmp_path / "nope.toml"), "--url", _url(members)
    )
    assert missing.exit_code == 2
    assert "--mapping: no file" in missing.stderr
    assert "Traceback" not in done.output + no_url.output + missing.output


def test_crm_check_names_the_mapping_line_of_each_difference(
    sqlite_cli: Cli, members: Engine, tmp_path: Path
) -> None:
    body = example_mapping()
    path = _mapping(tmp_path, body)
    assert (
        sqlite_cli("crm", "use", "sql", "--mapping", str(path), "--url", _url(members)).exit_code
        == 0
    )
    mysql = members.dialect.name in ("mysql", "mariadb")
    with members.begin() as conn:
        conn.execute(text("DROP TABLE group_members"))
        conn.execute(text("ALTER TABLE people DROP COLUMN town"))
        retype = "MODIFY postcode INT" if mysql else "ALTER COLUMN postcode TYPE INT USING NULL"
        conn.execute(text(f"ALTER TABLE people {retype}"))
        conn.execute(
            text(
                "INSERT INTO people (kind, newsletter, source, email) "
                "VALUES ('P', 'M', 'web', 'ann@example.org'), ('P', 'Y', 'web', 'bo@example.org')"
            )
        )
    checked = sqlite_cli("crm", "check", "--json")
    assert checked.exit_code == 2, checked.output
    report = json.loads(checked.stdout)
    assert report["ok"] is False
    problems = {p["object"]: p for p in report["problems"]}
    assert set(problems) == {
        "table group_members",
        "column people.town",
        "column people.postcode",
        "column people.newsletter",
    }
    expected = {
        "table group_members": (("members", "table"), "the CRM database has no such table"),
        "column people.town": (
            ("accounts", "columns", "city"),
            "the table people has no such column",
        ),
        "column people.postcode": (("accounts", "columns", "zip"), "holds integer"),
        "column people.newsletter": (
            ("accounts", "translate", "email_opt_out"),
            "holds 'M' in 1 row(s) of 2 sampled, which the mapping does not translate",
        ),
    }
    for name, (key, words) in expected.items():
        where = f"members.toml line {_line(body, *key)} ({'.'.join(key)})"
        assert problems[name]["where"] == where
        assert words in problems[name]["reason"]
        assert f"{where}: {name}: " in checked.stderr


def test_crm_show_and_export_read_the_mapped_crm_with_the_builtin_keys(
    sqlite_cli: Cli, members: Engine, tmp_path: Path
) -> None:
    path = _mapping(tmp_path, example_mapping())
    assert (
        sqlite_cli("crm", "use", "sql", "--mapping", str(path), "--url", _url(members)).exit_code
        == 0
    )
    with members.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO people (kind, first_name, last_name, email, newsletter, source, "
                "member_since) VALUES ('P', 'Renée', 'Müller', 'Renee@Example.org', 'N', "
                "'web', '2019-04-01'), ('O', NULL, NULL, 'info@acme.example', 'Y', 'web', NULL)"
            )
        )
    shown = sqlite_cli("crm", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "Renée" in shown.stdout
    assert "Müller" in shown.stdout
    exported = sqlite_cli("crm", "export", "--format", "json")
    assert exported.exit_code == 0, exported.output
    rows = {row["id"]: row for row in json.loads(exported.stdout)}
    assert set(rows) == {"1", "2"}
    renee, acme = rows["1"], rows["2"]
    assert (renee["first_name"], renee["email"], renee["email_opt_out"]) == (
        "Renée",
        "Renee@Example.org",
        True,
    )
    assert renee["custom.Member Since"] == "2019-04-01"
    assert (acme["type"], acme["email_opt_out"]) == ("organization", False)
    loaded = sqlite_cli("crm", "load", str(path))
    assert loaded.exit_code == 2
    assert "crm load works on the builtin CRM only" in loaded.stderr
