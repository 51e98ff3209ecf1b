"""`crm use`: a connection's CRM chosen, checked, stored encrypted and shown masked; what
the `crm` commands do on a CRM held elsewhere; a switch that would orphan links refused.

The CRM databases are MariaDB (tests/support/crm_db.py), reached as a user with a
password, so that every output and the stored row can be searched for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from tests.conftest import Cli
from tests.support.civicrm_schema import create_civicrm
from tests.support.crm_db import MARIADB_URL, crm_database

from listbridge.core.accounts import Account
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.engines import crm_url, dispose_engines
from listbridge.crm.factory import open_crm
from listbridge.store.connections import connection_id
from listbridge.store.crm_choice import CrmKind, load_crm_choice, save_crm_choice
from listbridge.store.db import Store, open_store
from listbridge.store.models import Base, CrmChoiceRow

PASSWORD = "pw-S3cret-7731"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own key file; no test touches ~/.config."""
    path = tmp_path / "keys" / "secret.key"
    monkeypatch.setenv("LISTBRIDGE_KEY_FILE", str(path))
    monkeypatch.delenv("LISTBRIDGE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LISTBRIDGE_NEW_SECRET_KEY", raising=False)
    return path


def _with_user(url: str, create: bool) -> str:
    """`url` as a user of its own with a password, made (or dropped) on the server."""
    database = make_url(url).database
    user = f"lbt_{database}"[:32]
    admin = create_engine(MARIADB_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if create:
                conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"))
                conn.execute(text(f"GRANT ALL ON `{database}`.* TO '{user}'@'%'"))
            else:
                conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
    finally:
        admin.dispose()
    return make_url(url).set(username=user, password=PASSWORD).render_as_string(False)


@pytest.fixture
def civicrm() -> Iterator[str]:
    """The URL, password included, of a MariaDB database with CiviCRM's tables."""
    with crm_database("mariadb") as root_url:
        engine = create_engine(root_url)
        try:
            create_civicrm(engine)
        finally:
            engine.dispose()
        try:
            yield _with_user(root_url, create=True)
        finally:
            dispose_engines()  # pooled connections go before their database does
            _with_user(root_url, create=False)


def masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _store(cli: Cli) -> Store:
    return open_store(cli.db_url)


def _use(cli: Cli, *args: str) -> None:
    done = cli("crm", "use", *args)
    assert done.exit_code == 0, done.output


def test_crm_use_civicrm_stores_the_url_encrypted_and_shows_it_masked(
    cli: Cli, civicrm: str
) -> None:
    done = cli("crm", "use", "civicrm", "--url", civicrm)
    assert done.exit_code == 0, done.output
    shown = masked(civicrm)
    assert ":***@" in shown
    assert done.stdout == f"connection default now syncs the civicrm CRM at {shown}\n"
    as_json = json.loads(cli("crm", "use", "civicrm", "--url", civicrm, "--json").stdout)
    assert as_json == {
        "connection": "default",
        "crm": "civicrm",
        "url": shown,
        "mapping": None,
        "forgot": {"links": 0, "list_pairings": 0},
    }
    status = cli("status", "--offline", "--json")
    assert json.loads(status.stdout)["crm"] == {"kind": "civicrm", "url": shown}
    assert f"crm: civicrm at {shown}" in cli("status", "--offline").stdout
    store = _store(cli)
    try:
        with store.session() as session:
            (raw,) = session.scalars(select(CrmChoiceRow.url_encrypted)).all()
        cid = connection_id(store, "default")
        assert load_crm_choice(store, cid).url == civicrm
        assert PASSWORD not in repr(load_crm_choice(store, cid))
    finally:
        store.close()
    assert raw is not None
    assert PASSWORD not in raw
    assert make_url(civicrm).database not in raw  # a Fernet token, not the URL
    assert PASSWORD not in done.output + status.output


def test_builtin_only_commands_exit_2_naming_the_crm_in_use(
    cli: Cli, civicrm: str, tmp_path: Path
) -> None:
    _use(cli, "civicrm", "--url", civicrm)
    file = tmp_path / "a.csv"
    file.write_text("id,first_name\nA1,Ann\n")
    where = f"connection default syncs the civicrm CRM at {masked(civicrm)}"
    refused = {
        "crm load works on the builtin CRM only": ("crm", "load", str(file)),
        "crm delete works on the builtin CRM only": ("crm", "delete", "1"),
        "crm fields add works on the builtin CRM only": ("crm", "fields", "add", "Level"),
        "--include-deleted works on the builtin CRM only": ("crm", "export", "--include-deleted"),
    }
    for reason, args in refused.items():
        done = cli(*args) if args[1] != "fields" else cli(*args, "--type", "text")
        assert done.exit_code == 2, (args, done.output)
        assert reason in done.stderr
        assert where in done.stderr
        assert PASSWORD not in done.output
    load = cli("crm", "load", str(file))
    assert "load the file into CiviCRM itself" in load.stderr


def test_show_export_lists_and_duplicates_read_civicrm_through_the_protocol(
    cli: Cli, civicrm: str
) -> None:
    _use(cli, "civicrm", "--url", civicrm)
    store = _store(cli)
    try:
        crm = open_crm(store, connection_id(store, "default"))
        ann = crm.create(Account("x", first_name="Ann", email="ann@example.org"), reason="t")
        crm.create(Account("y", first_name="Bo", email="ANN@example.org"), reason="t")
    finally:
        store.close()
    shown = cli("crm", "show", ann.id)
    assert shown.exit_code == 0, shown.output
    assert f"id                   {ann.id}" in shown.stdout
    assert "email                ann@example.org" in shown.stdout
    assert "created  (t)" in shown.stdout  # the journal in listbridge's store
    exported = json.loads(cli("crm", "export", "--format", "json").stdout)
    assert [(a["first_name"], a["email"]) for a in exported] == [
        ("Ann", "ann@example.org"),
        ("Bo", "ANN@example.org"),
    ]
    assert {"id", "email", "cc_contact_id", "updated_at"} <= set(exported[0])
    assert cli("crm", "lists", "create", "Board").exit_code == 0
    added = cli("crm", "lists", "add", "Board", "--account", ann.id)
    assert added.stdout == "1 added to CRM list 'Board'\n"
    assert "Board\t1 members" in cli("crm", "lists", "ls").stdout
    lines = cli("crm", "show", ann.id).stdout.splitlines()
    assert lines[lines.index("lists:") + 1] == "  Board"
    (group,) = json.loads(cli("crm", "duplicates", "--json").stdout)
    assert (group["kind"], group["key"]) == ("shared_email", "ann@example.org")
    assert cli("crm", "show", "999999").exit_code == 2


def test_vtiger_without_its_campaign_table_is_refused_naming_it(cli: Cli) -> None:
    with crm_database("mariadb") as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                for table in (
                    "vtiger_crmentity",
                    "vtiger_contactdetails",
                    "vtiger_campaigncontrel",
                ):
                    conn.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
        finally:
            engine.dispose()
        done = cli("crm", "use", "vtiger", "--url", url)
        dispose_engines()
    assert done.exit_code == 2, done.output
    assert "not a Vtiger database: it has no table vtiger_campaign " in done.stderr
    assert json.loads(cli("status", "--offline", "--json").stdout)["crm"]["kind"] == "builtin"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("civicrm", "--url", "not a url"), "not a database URL"),
        (("civicrm", "--url", "oracle://u:pw@h/civi"), "unsupported database driver 'oracle'"),
        (("vtiger", "--url", "mysql+mysqldb://u@h/vt"), "unsupported database driver"),
        (("civicrm", "--url", "mysql+pymysql://u:pw@127.0.0.1:3306"), "names no database"),
        (("civicrm",), "crm use civicrm needs --url"),
        (("builtin", "--url", "mysql+pymysql://u@h/x"), "the builtin CRM lives in listbridge's"),
    ],
)
def test_a_bad_url_exits_2_with_the_reason(cli: Cli, args: tuple[str, ...], reason: str) -> None:
    done = cli("crm", "use", *args)
    assert done.exit_code == 2, done.output
    assert reason in done.stderr
    assert ":pw@" not in done.stderr


def test_urls_get_the_drivers_listbridge_ships() -> None:
    assert crm_url("mysql://u:p@h/civi") == "mysql+pymysql://u:p@h/civi"
    assert crm_url("mariadb://u@h:3307/civi") == "mariadb+pymysql://u@h:3307/civi"
    assert crm_url("postgres://u@h/civi") == "postgresql+psycopg://u@h/civi"
    assert crm_url(" mysql+pymysql://u:p%40ss@h/civi ") == "mysql+pymysql://u:p%40ss@h/civi"


def test_a_crm_database_that_does_not_answer_exits_5_naming_host_not_password(
    cli: Cli,
) -> None:
    dead = f"mysql+pymysql://u:{PASSWORD}@127.0.0.1:1/civi"
    done = cli("crm", "use", "civicrm", "--url", dead)
    assert done.exit_code == 5, done.output
    assert "connection 'default': the CRM database at 127.0.0.1:1 (database civi)" in done.stderr
    store = _store(cli)
    try:  # a choice made when it answered: every command reaching it says the same
        save_crm_choice(store, connection_id(store, "default"), CrmKind.CIVICRM, dead)
    finally:
        store.close()
    for args in (("crm", "show", "1"), ("crm", "export"), ("crm", "lists", "ls")):
        later = cli(*args)
        assert later.exit_code == 5, (args, later.output)
        assert "does not answer" in later.stderr
        assert PASSWORD not in later.output


def _link_and_pair(store: Store, cid: int) -> None:
    """A builtin account linked to a CC contact, and a CC list paired with a CRM list."""
    BuiltinCrm(store, cid).create(Account("A1", email="a@example.org"), reason="t")
    rows = {
        "cc_links": {
            "account_id": "A1",
            "cc_contact_id": "C1",
            "linked_at": NOW,
            "updated_at": NOW,
        },
        "cc_lists": {
            "cc_list_id": "L1",
            "name": "News",
            "refreshed_at": NOW,
            "crm_list_key": "7",
            "synced_name": "News",
        },
        "import_cursors": {"scope": "*", "updated_after": NOW},
    }
    with store.session() as session:
        for name, row in rows.items():
            session.execute(insert(Base.metadata.tables[name]), [{**row, "connection_id": cid}])
        accounts = Base.metadata.tables["crm_accounts"]
        session.execute(accounts.update().values(cc_contact_id="C1"))


def _count(store: Store, name: str, cid: int) -> int:
    table = Base.metadata.tables[name]
    query = select(func.count()).select_from(table).where(table.c.connection_id == cid)
    with store.session() as session:
        return int(session.scalar(query) or 0)


def test_a_switch_that_would_orphan_links_needs_force_and_then_forgets_them(
    cli: Cli, civicrm: str
) -> None:
    store = _store(cli)
    try:
        cid = connection_id(store, "default")
        _link_and_pair(store, cid)
        refused = cli("crm", "use", "civicrm", "--url", civicrm)
        assert refused.exit_code == 2, refused.output
        assert "has 1 link(s) to accounts of the builtin CRM and 1 Constant Contact" in (
            refused.stderr
        )
        assert "listbridge disconnect" in refused.stderr
        assert "--force" in refused.stderr
        assert load_crm_choice(store, cid).kind is CrmKind.BUILTIN
        assert _count(store, "cc_links", cid) == 1
        forced = cli("crm", "use", "civicrm", "--url", civicrm, "--force")
        assert forced.exit_code == 0, forced.output
        assert "forgot 1 link(s) and 1 list pairing(s) made against the builtin CRM" in (
            forced.stdout
        )
        assert (_count(store, "cc_links", cid), _count(store, "import_cursors", cid)) == (0, 0)
        with store.session() as session:
            lists = Base.metadata.tables["cc_lists"]
            pair = session.execute(select(lists.c.crm_list_key, lists.c.synced_name)).one()
        assert tuple(pair) == (None, "")
        kept = BuiltinCrm(store, cid).get("A1")
        assert kept is not None
        assert kept.cc_contact_id == ""  # the builtin CRM's copy of the link went with it
        # The same CRM again (a new password would be too) keeps what was matched since.
        with store.session() as session:
            session.execute(
                insert(Base.metadata.tables["cc_links"]),
                [{"connection_id": cid, "account_id": "9", "cc_contact_id": "C9",
                  "linked_at": NOW, "updated_at": NOW}],
            )  # fmt: skip
        _use(cli, "civicrm", "--url", civicrm)
        assert _count(store, "cc_links", cid) == 1
        back = cli("crm", "use", "builtin")
        assert back.exit_code == 2
        assert "accounts of the civicrm CRM at" in back.stderr
    finally:
        store.close()


def test_secrets_rotate_re_encrypts_the_crm_url(
    cli: Cli, civicrm: str, secret_key_file: Path
) -> None:
    _use(cli, "civicrm", "--url", civicrm)
    store = _store(cli)
    try:
        with store.session() as session:
            before = session.scalars(select(CrmChoiceRow.url_encrypted)).one()
    finally:
        store.close()
    old_key = secret_key_file.read_bytes()
    rotated = cli("secrets", "rotate")
    assert "Re-encrypted 1 secret(s)" in rotated.stdout
    store = _store(cli)
    try:
        with store.session() as session:
            after = session.scalars(select(CrmChoiceRow.url_encrypted)).one()
        assert after != before
        assert load_crm_choice(store, connection_id(store, "default")).url == civicrm
    finally:
        store.close()
    secret_key_file.write_bytes(old_key)  # the old key no longer opens the URL
    stale = cli("crm", "export")
    assert stale.exit_code == 2
    assert "the stored URL of its civicrm CRM database cannot be decrypted" in stale.stderr
    status = json.loads(cli("status", "--offline", "--json").stdout)["crm"]
    assert (status["kind"], status["url"]) == ("civicrm", None)
    assert "cannot be decrypted" in status["error"]


def test_a_connection_never_told_syncs_the_builtin_crm(cli: Cli) -> None:
    status = cli("status", "--offline", "--json")
    assert json.loads(status.stdout)["crm"] == {"kind": "builtin", "url": None}
    assert "crm: builtin (in listbridge's database)" in cli("status", "--offline").stdout
    done = cli("crm", "use", "builtin", "--json")
    assert json.loads(done.stdout)["crm"] == "builtin"
