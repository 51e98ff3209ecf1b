"""`crm check` through the CLI: a CiviCRM (MariaDB, PostgreSQL) or Vtiger (MariaDB)
database holding what the adapter itself wrote checks ok; then each break — a table or
column dropped, a column of the wrong type or too short, a value the adapter does not
translate — on its own, undone before the next, exits 2 naming the preset table and
the database object, in the human output (stderr) and the JSON (stdout).

One CRM database per test, as each costs seconds to build: its breaks run in turn. The
state store is SQLite alone here (the `cli` fixture would build every database twice):
these tests are about the CRM's database, not listbridge's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from tests.conftest import Cli
from tests.support import civicrm_schema, vtiger_schema
from tests.support.civicrm_db import civicrm_engine
from tests.support.crm_db import CRM_BACKENDS
from tests.support.vtiger_db import vtiger_engine

from listbridge.core.accounts import Account
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.engines import dispose_engines
from listbridge.crm.vtiger import VtigerCrm
from listbridge.store.connections import connection_id
from listbridge.store.crm_choice import CrmKind, save_crm_choice
from listbridge.store.db import open_store

NOW = datetime(2026, 1, 1, tzinfo=UTC)
Step = str | Callable[[Connection], object]


@dataclass(frozen=True)
class Break:
    """A change to a clean CRM database, its undoing, and the one problem it must cause."""

    name: str
    do: Sequence[Step]
    undo: Sequence[Step]
    where: str
    object: str
    #: a piece of the reason
    words: str


@pytest.fixture(autouse=True)
def secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`crm use` stores the URL encrypted: every test gets its own key file."""
    monkeypatch.setenv("LISTBRIDGE_KEY_FILE", str(tmp_path / "keys" / "secret.key"))
    monkeypatch.delenv("LISTBRIDGE_SECRET_KEY", raising=False)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Iterator[Cli]:
    yield Cli(f"sqlite:///{tmp_path / 'listbridge.db'}")
    dispose_engines()  # pooled connections go before their CRM database does


def _use(cli: Cli, kind: str, engine: Engine) -> None:
    done = cli("crm", "use", kind, "--url", engine.url.render_as_string(hide_password=False))
    assert done.exit_code == 0, done.output


def _run(engine: Engine, steps: Sequence[Step]) -> None:
    with engine.begin() as conn:
        for step in steps:
            conn.execute(text(step)) if isinstance(step, str) else step(conn)


def _assert_clean(cli: Cli, *lines: str) -> None:
    human = cli("crm", "check")
    assert human.exit_code == 0, human.output
    assert human.stdout.endswith("ok: the CRM is as listbridge expects it\n")
    as_json = cli("crm", "check", "--json")
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert (report["ok"], report["problems"]) == (True, [])
    for line in lines:
        assert line in report["found"]
        assert f"  {line}\n" in human.stdout


def _assert_each_reported(cli: Cli, engine: Engine, breaks: Sequence[Break]) -> None:
    for case in breaks:
        _run(engine, case.do)
        try:
            human = cli("crm", "check")
            as_json = cli("crm", "check", "--json")
        finally:
            _run(engine, case.undo)
        assert (human.exit_code, as_json.exit_code) == (2, 2), (case.name, human.output)
        problem = f"{case.where}: {case.object}: "
        assert "1 problem(s) in the " in human.stderr, (case.name, human.stderr)
        assert problem in human.stderr, (case.name, human.stderr)
        assert case.words in human.stderr, (case.name, human.stderr)
        report = json.loads(as_json.stdout)
        assert report["ok"] is False
        assert [(p["where"], p["object"]) for p in report["problems"]] == [
            (case.where, case.object)
        ], case.name


def _civicrm_rows(cli: Cli, engine: Engine) -> str:
    """A contact on a group, written by the adapter: its id."""
    store = open_store(cli.db_url)
    try:
        crm = CiviCrm(store, connection_id(store, "default"), engine, lambda: NOW)
        ann = crm.create(Account("x", first_name="Ann", email="ann@example.org"), reason="t")
        crm.create_list("Board", reason="t")
        crm.add_to_list("Board", [ann.id], reason="t")
    finally:
        store.close()
    return ann.id


def _civicrm_breaks(mysql: bool, contact: str) -> list[Break]:
    def at(table: str) -> str:
        return f"preset table {table}"

    def retyped(column: str, sql_type: str) -> str:
        if mysql:
            return f"ALTER TABLE civicrm_contact MODIFY {column} {sql_type}"
        using = " USING NULL" if sql_type == "INTEGER" else ""
        return f"ALTER TABLE civicrm_contact ALTER COLUMN {column} TYPE {sql_type}{using}"

    uint = "INT UNSIGNED" if mysql else "INTEGER"
    contact_row = f"UPDATE civicrm_contact SET {{}} WHERE id = {contact}"
    breaks = [
        Break(
            "a missing table",
            ["DROP TABLE civicrm_subscription_history"],
            [civicrm_schema.civicrm_subscription_history.create],
            at("civicrm_subscription_history"),
            "table civicrm_subscription_history",
            "the database has no table civicrm_subscription_history",
        ),
        Break(
            "a missing column",
            ["ALTER TABLE civicrm_email DROP COLUMN on_hold"],
            [f"ALTER TABLE civicrm_email ADD COLUMN on_hold {uint} NOT NULL DEFAULT 0"],
            at("civicrm_email"),
            "column civicrm_email.on_hold",
            "civicrm_email has no column on_hold",
        ),
        Break(
            "a wrong type",
            [retyped("middle_name", "INTEGER")],
            [retyped("middle_name", "VARCHAR(64)")],
            at("civicrm_contact"),
            "column civicrm_contact.middle_name",
            "(integer), but listbridge reads and writes it as text",
        ),
        Break(
            "a column too short",
            [retyped("last_name", "VARCHAR(10)")],
            [retyped("last_name", "VARCHAR(64)")],
            at("civicrm_contact"),
            "column civicrm_contact.last_name",
            "at most 10 characters, fewer than the 64",
        ),
        Break(
            "a required column listbridge does not fill",
            ["ALTER TABLE civicrm_phone ADD COLUMN needed INTEGER NOT NULL"],
            ["ALTER TABLE civicrm_phone DROP COLUMN needed"],
            at("civicrm_phone"),
            "column civicrm_phone.needed",
            "is NOT NULL with no default",
        ),
        Break(
            "a contact type CiviCRM does not have",
            [contact_row.format("contact_type = 'Robot'")],
            [contact_row.format("contact_type = 'Individual'")],
            at("civicrm_contact"),
            "column civicrm_contact.contact_type",
            f"other than Individual, Organization or Household (id {contact}: 'Robot')",
        ),
        Break(
            "a group membership status CiviCRM does not have",
            ["UPDATE civicrm_group_contact SET status = 'Maybe'"],
            ["UPDATE civicrm_group_contact SET status = 'Added'"],
            at("civicrm_group_contact"),
            "column civicrm_group_contact.status",
            "'Maybe'",
        ),
    ]
    if mysql:  # a PostgreSQL boolean holds nothing but true and false
        breaks.append(
            Break(
                "a flag that is neither 0 nor 1",
                [contact_row.format("is_opt_out = 2")],
                [contact_row.format("is_opt_out = 0")],
                at("civicrm_contact"),
                "column civicrm_contact.is_opt_out",
                f"other than 0 or 1 (id {contact}: 2)",
            )
        )
    return breaks


@pytest.mark.parametrize("backend", CRM_BACKENDS)
def test_civicrm_checks_ok_then_names_each_break(sqlite_cli: Cli, backend: str) -> None:
    with civicrm_engine(backend) as engine:
        _use(sqlite_cli, "civicrm", engine)
        contact = _civicrm_rows(sqlite_cli, engine)
        _assert_clean(
            sqlite_cli,
            "table civicrm_contact: 19 of 19 columns as expected",
            "values of civicrm_contact: contact_type, do_not_email, is_opt_out, is_deceased, "
            "is_deleted as expected (the 1 newest row(s))",
            "values of civicrm_group_contact: status as expected (the 1 newest row(s))",
            "civicrm_location_type: 5 active location type(s)",
        )
        mysql = engine.dialect.name in ("mysql", "mariadb")
        _assert_each_reported(sqlite_cli, engine, _civicrm_breaks(mysql, contact))
        dispose_engines()


def _vtiger_rows(cli: Cli, engine: Engine) -> str:
    """A contact of an organisation, on a campaign, written by the adapter: its crmid."""
    store = open_store(cli.db_url)
    try:
        crm = VtigerCrm(store, connection_id(store, "default"), engine, lambda: NOW)
        ann = Account("x", first_name="Ann", email="ann@example.org", company_name="Acme")
        ann = crm.create(ann, reason="t")
        crm.create_list("Board", reason="t")
        crm.add_to_list("Board", [ann.id], reason="t")
    finally:
        store.close()
    return ann.id


def _vtiger_breaks(contact: str) -> list[Break]:
    def at(table: str) -> str:
        return f"preset table {table}"

    entity = f"UPDATE vtiger_crmentity SET {{}} WHERE crmid = {contact}"
    details = f"UPDATE vtiger_contactdetails SET {{}} WHERE contactid = {contact}"
    return [
        Break(
            "a missing table",
            ["DROP TABLE vtiger_campaignscf"],
            [vtiger_schema.CAMPAIGNSCF.create],
            at("vtiger_campaignscf"),
            "table vtiger_campaignscf",
            "the database has no table vtiger_campaignscf",
        ),
        Break(
            "a missing column",
            ["ALTER TABLE vtiger_contactaddress DROP COLUMN mailingzip"],
            ["ALTER TABLE vtiger_contactaddress ADD COLUMN mailingzip VARCHAR(30)"],
            at("vtiger_contactaddress"),
            "column vtiger_contactaddress.mailingzip",
            "vtiger_contactaddress has no column mailingzip",
        ),
        Break(
            "a wrong type (its values are then left unread)",
            ["ALTER TABLE vtiger_contactdetails MODIFY emailoptout INT"],
            ["ALTER TABLE vtiger_contactdetails MODIFY emailoptout VARCHAR(3) DEFAULT '0'"],
            at("vtiger_contactdetails"),
            "column vtiger_contactdetails.emailoptout",
            "is INTEGER(11) (integer), but listbridge reads and writes it as text",
        ),
        Break(
            "a checkbox value Vtiger does not write",
            [details.format("emailoptout = 'Y'")],
            [details.format("emailoptout = '0'")],
            at("vtiger_contactdetails"),
            "column vtiger_contactdetails.emailoptout",
            f"other than '1' or '0' (contactid {contact}: 'Y')",
        ),
        Break(
            "a contact whose record is of another module",
            [entity.format("setype = 'Leads'")],
            [entity.format("setype = 'Contacts'")],
            at("vtiger_contactdetails"),
            "column vtiger_crmentity.setype",
            f"are not Contacts records in vtiger_crmentity (contactid {contact}: 'Leads')",
        ),
        Break(
            "a deleted flag that is neither 0 nor 1",
            [entity.format("deleted = 2")],
            [entity.format("deleted = 0")],
            at("vtiger_crmentity"),
            "column vtiger_crmentity.deleted",
            f"other than 0 or 1 (crmid {contact}: 2)",
        ),
        Break(
            "a campaign relation to no campaign",
            [f"INSERT INTO vtiger_campaigncontrel VALUES (999, {contact}, 1)"],
            ["DELETE FROM vtiger_campaigncontrel WHERE campaignid = 999"],
            at("vtiger_campaigncontrel"),
            "column vtiger_campaigncontrel.campaignid",
            "relates contacts to campaignid 999, which vtiger_campaign does not hold",
        ),
        Break(
            "an id sequence behind the records",
            ["UPDATE vtiger_crmentity_seq SET id = 1"],
            ["UPDATE vtiger_crmentity_seq SET id = (SELECT MAX(crmid) FROM vtiger_crmentity)"],
            at("vtiger_crmentity_seq"),
            "table vtiger_crmentity_seq",
            "is at 1, below the largest crmid",
        ),
    ]


def test_vtiger_checks_ok_then_names_each_break(sqlite_cli: Cli) -> None:
    with vtiger_engine() as engine:
        _use(sqlite_cli, "vtiger", engine)
        contact = _vtiger_rows(sqlite_cli, engine)
        _assert_clean(
            sqlite_cli,
            "table vtiger_contactdetails: 13 of 13 columns as expected",
            "values of vtiger_contactdetails: emailoptout as expected (the 1 newest row(s))",
            "vtiger_contactdetails: Contacts records in vtiger_crmentity (the 1 newest row(s))",
            "vtiger_account: Accounts records in vtiger_crmentity (the 1 newest row(s))",
            "vtiger_campaign: Campaigns records in vtiger_crmentity (the 1 newest row(s))",
            "vtiger_campaigncontrel: each relates an existing campaign (the 1 newest row(s))",
            "vtiger_modentity_num: the next numbers are Contacts CON2, Accounts ACC2, "
            "Campaigns CAM2",
        )
        _assert_each_reported(sqlite_cli, engine, _vtiger_breaks(contact))
        dispose_engines()


def test_a_crm_database_that_does_not_answer_exits_5(sqlite_cli: Cli) -> None:
    dead = "mysql+pymysql://u:pw-8812@127.0.0.1:1/vt"
    store = open_store(sqlite_cli.db_url)
    try:
        save_crm_choice(store, connection_id(store, "default"), CrmKind.VTIGER, dead)
    finally:
        store.close()
    done = sqlite_cli("crm", "check", "--json")
    assert done.exit_code == 5, done.output
    assert "the CRM database at 127.0.0.1:1 (database vt) does not answer" in done.stderr
    assert "pw-8812" not in done.output


def test_the_builtin_crm_checks_ok_with_what_it_holds(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "accounts.csv"
    file.write_text("id,first_name,email\nA1,Ann,ann@example.org\nA2,Bo,bo@example.org\n")
    assert cli("crm", "load", str(file)).exit_code == 0
    assert cli("crm", "delete", "A2").exit_code == 0
    _assert_clean(cli, "table crm_accounts: 2 accounts (1 marked deleted)")
    report = json.loads(cli("crm", "check", "--json").stdout)
    assert report["crm"] == "the builtin CRM"
    assert report["found"][0].startswith(
        "listbridge's own database holds the builtin CRM: migrations applied"
    )
