"""`listbridge db upgrade` from every earlier schema revision keeps every row (issue 20).

A store is populated at head as an organisation fills it (a CRM file with households,
case-variant shared addresses, opted-out, deceased and do-not-contact people, custom
fields; users and groups; settings), and every other table gets rows of its own. It is
then taken down one revision at a time; each step must keep every row of the tables the
older revision has (only 0022's downgrade rewrites the journal, by design). A copy at each
revision is upgraded with `db upgrade`, and every row it held is there after, column for
column (0010's pairing read from the column that holds it now).

SQLite: every earlier revision, one file each. PostgreSQL: a few revisions, taken down
and up again in one schema.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from tests.conftest import Cli
from tests.reliability.store_rows import (
    Snapshot,
    counts,
    expected_rows,
    fill_empty_tables,
    rows_of,
    snapshot,
)

from listbridge.store.connections import connection_id
from listbridge.store.db import make_engine, open_store
from listbridge.store.migrate import current_revision, downgrade, revisions

pytestmark = pytest.mark.db

PEOPLE = (
    "id,type,first_name,last_name,company_name,email,email2,city,country,"
    "deceased,do_not_contact,email_opt_out,custom.Member Since,custom.Dues\n"
    "A1,individual,Zoë,Müller,,zoe.muller@example.org,,Köln,DE,false,false,false,2019,40.50\n"
    "A2,individual,Hans,Müller,,ZOE.MULLER@Example.org,,Köln,DE,false,false,true,2020,\n"
    "A3,individual,Grace,Hopper,,grace@example.org,grace.h@example.org,Arlington,US,"
    "true,false,false,1985,12\n"
    "A4,individual,Đặng,Hồng,,hong.dang@example.vn,,Hà Nội,VN,false,true,false,,\n"
    "A5,individual,Seán,O'Brien,,sean@example.ie,,Corcaigh,IE,false,false,false,2024,0\n"
    "A6,individual,Seán,O'Brien,,sean@example.ie,,Corcaigh,IE,false,false,false,,\n"
    "O1,organization,,,Förderverein e.V.,info@foerderverein.example,,Köln,DE,"
    "false,false,false,,\n"
    'O2,organization,,,"Smith, Jones & Co",office@smithjones.example,,"Leeds, West Yorkshire",'
    "GB,false,false,true,,\n"
)
PASSWORD = "correct horse battery staple"


def populate(url: str, tmp_path: Path) -> Engine:
    cli = Cli(url)
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    for args, given in [
        (("crm", "load", str(people)), None),
        (("settings", "set", "import.ambiguous_match=link", "notify.email=ops@example.org"), None),
        (("groups", "add", "Büro"), None),
        (("groups", "grant", "Büro", "run_syncs"), None),
        (("users", "add", "jörg", "--group", "Büro"), PASSWORD + "\n"),
    ]:
        answer = cli(*args, input=given)
        assert answer.exit_code == 0, (args, answer.output)
    store = open_store(url)
    for name in ("Förderverein", "Chor St. Ägidius"):  # tables of a row per connection
        connection_id(store, name)
    store.close()
    engine = make_engine(url)
    fill_empty_tables(engine)
    with engine.begin() as conn:  # a CC list paired with a builtin CRM list, as `lists` pairs
        conn.execute(text("UPDATE cc_lists SET crm_list_key = CAST("
                          "(SELECT MIN(id) FROM crm_lists) AS VARCHAR(64))"))  # fmt: skip
    return engine


def step_down(engine: Engine, revision: str, before: dict[str, int]) -> dict[str, int]:
    """Down to `revision`, one step: every table it has keeps its rows."""
    downgrade(engine, revision)
    assert current_revision(engine) == revision
    after = counts(engine)
    rewritten = {"journal"} if revision == "0021" else set()  # 0022 writes loads' entries back
    lost = {t: (before[t], n) for t, n in after.items() if t not in rewritten and before[t] != n}
    assert lost == {}, f"down to {revision}: rows before → after {lost}"
    return after


def upgraded_keeps_every_row(url: str, taken: Snapshot) -> int:
    """`db upgrade` of the database at `url`; every row of `taken` there after. Rows checked."""
    answer = Cli(url)("db", "upgrade")
    assert answer.exit_code == 0, answer.output
    engine = make_engine(url)
    head = list(revisions())[-1]
    assert f"upgraded to revision {head} (head {head})" in answer.stdout
    checked = 0
    try:
        for table, (columns, rows) in taken.items():
            want = expected_rows(table, columns, rows)
            assert rows_of(engine, table, columns) == want, table
            checked += sum(want.values())
    finally:
        engine.dispose()
    return checked


def _copy(engine: Engine, to: Path) -> None:
    source = engine.raw_connection()
    try:
        with sqlite3.connect(to) as target:
            source.driver_connection.backup(target)  # type: ignore[union-attr]
    finally:
        source.close()


def every_revision_on_sqlite(tmp_path: Path) -> dict[str, int]:
    """One file per older revision, each upgraded; the rows checked in each."""
    engine = populate(f"sqlite:///{tmp_path / 'walk.db'}", tmp_path)
    older = list(revisions())[:-1]
    before = counts(engine)
    assert min(before.values()) >= 1, before  # no table a migration touches is empty
    taken = {}
    for revision in reversed(older):
        before = step_down(engine, revision, before)
        _copy(engine, tmp_path / f"at-{revision}.db")
        taken[revision] = snapshot(engine)
    engine.dispose()
    return {
        revision: upgraded_keeps_every_row(f"sqlite:///{tmp_path / f'at-{revision}.db'}", rows)
        for revision, rows in taken.items()
    }


#: PostgreSQL takes a schema down and up again for each: a few revisions, far apart
PG_REVISIONS = ("0021", "0009")


def some_revisions_on_postgresql(url: str, tmp_path: Path) -> dict[str, int]:
    engine = populate(url, tmp_path)
    older = list(revisions())
    checked = {}
    try:
        for target in PG_REVISIONS:
            before = counts(engine)
            assert min(before.values()) >= 1, before
            for revision in reversed(older[older.index(target) : -1]):
                before = step_down(engine, revision, before)
            checked[target] = upgraded_keeps_every_row(url, snapshot(engine))
    finally:
        engine.dispose()
    return checked


def test_db_upgrade_from_earlier_revisions_keeps_every_row(db_url: str, tmp_path: Path) -> None:
    backend = db_url.split(":", 1)[0]
    if backend == "sqlite":
        checked = every_revision_on_sqlite(tmp_path)
        assert sorted(checked) == list(revisions())[:-1]
    else:
        checked = some_revisions_on_postgresql(db_url, tmp_path)
        assert sorted(checked) == sorted(PG_REVISIONS)
    assert all(n > 0 for n in checked.values()), checked
    print(f"{backend}: rows kept per revision:", checked)


def test_foreign_keys_are_on_again_after_migrating_sqlite(tmp_path: Path) -> None:
    """Migrations run with SQLite's foreign keys off (env.py); the connection that ran
    them goes back to the pool with them on, or later deletes would not cascade."""
    store = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()
