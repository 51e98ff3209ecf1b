"""A `--where` filter on a mapped CRM (`crm use sql`), CiviCRM or Vtiger: every account
read and tested in Python, against the CRM's filter_sql.py's SQL, in seconds
(docs/filters.md, "Where a filter runs").

N people (push_speed's accounts, every 10th an organization, every 7th opted out, each
with its own change time) go into the members database of docs/mapping-example.toml on
SQLite, a new PostgreSQL schema or a new MariaDB database, read through the documented
mapping. Each path runs the same filter; the answers must be equal.

    python bench/filter_sql_crms.py --accounts 50000 --backends sqlite,postgresql,mariadb --civicrm
    python bench/filter_sql_crms.py --accounts 50000 --backends "" --civicrm \
        --civicrm-backends mariadb,postgresql --vtiger
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine

from common import tests_module, write_results
from crm_fill import CHUNK, _civicrm_rows, _people, fill_civicrm, mariadb_database
from listbridge.core.accounts import Account, AccountType
from listbridge.core.filters import compile_filter
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.sqlmap.adapter import SqlCrm
from listbridge.crm.sqlmap.parse import read_mapping
from listbridge.crm.vtiger import VtigerCrm
from listbridge.crm.vtiger.contacts import insert_contacts
from listbridge.crm.vtiger.writes import Writer
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from push_speed import account

#: text comparisons (on MariaDB left to Python for the mapped CRM), then none
FILTERS = (
    'any_email contains "person1" and state in ("IL", "MA") and first_name != "bo"',
    'created_at >= 2026-01-01 and not (created_at > 2026-01-01 and custom."Member Since" is empty)',
)
START = datetime(2026, 1, 1, tzinfo=UTC)


def people(n: int) -> list[Account]:
    return [
        replace(
            account(i),
            type=AccountType.ORGANIZATION if i % 10 == 0 else AccountType.INDIVIDUAL,
            email_opt_out=i % 7 == 0,
            updated_at=START + timedelta(seconds=i),
        )
        for i in range(n)
    ]


@contextmanager
def members(backend: str, tmp: Path, accounts: list[Account]) -> Iterator[Engine]:
    """The members tables on `backend`, the accounts in them."""
    schema = tests_module("tests.support.sqlmap_schema")
    with _database(backend, tmp) as url:
        engine = create_engine(url)
        try:
            schema.create_members_db(engine)
            with engine.begin() as conn:
                for start in range(0, len(accounts), CHUNK):
                    chunk = list(enumerate(accounts[start : start + CHUNK], start + 1))
                    conn.execute(insert(schema.people), _people(chunk))
            yield engine
        finally:
            engine.dispose()


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'members.db'}"
        return
    with tests_module("tests.support.crm_db").crm_database(backend) as url:
        yield url


def timed(run: Callable[[], list[str]]) -> tuple[float, list[str]]:
    began = time.perf_counter()
    found = run()
    return round(time.perf_counter() - began, 3), found


def measure_civicrm(n: int, tmp: Path, backend: str = "mariadb") -> dict[str, Any]:
    """CiviCRM's tables on `backend` (crm_fill.py's contacts, with their e-mails, phones
    and addresses): the same filters, filter B's custom field left out (CiviCRM's are not
    synced) and `deceased = false` in its place."""
    store = open_store(f"sqlite:///{tmp / 'listbridge-civicrm.db'}")
    with _civicrm(backend, people(n)) as engine:
        crm = CiviCrm(store, connection_id(store, "default"), engine, lambda: START)
        texts = [
            FILTERS[0],
            FILTERS[1].replace('custom."Member Since" is empty', "deceased = false"),
        ]
        runs = [one_filter(crm, text) for text in texts]
        defaults_s, everyone = timed(lambda: crm.select_account_ids(None, defaults=True))
    store.close()
    return {
        "crm": "civicrm",
        "backend": backend,
        "accounts": n,
        "filters": runs,
        "no_filter_sql_s": defaults_s,
        "no_filter_chosen": len(everyone),
    }


@contextmanager
def _civicrm(backend: str, accounts: list[Account]) -> Iterator[Engine]:
    """CiviCRM's tables filled on a new MariaDB database (crm_fill.py) or PostgreSQL
    schema (the same rows, inserted here: crm_fill's session settings are MariaDB's)."""
    crm_db = tests_module("tests.support.crm_db")
    if backend == "mariadb":
        with mariadb_database(crm_db.MARIADB_URL) as url:
            engine = create_engine(url)
            try:
                fill_civicrm(engine, accounts)
                yield engine
            finally:
                engine.dispose()
        return
    schema = tests_module("tests.support.civicrm_schema")
    with crm_db.crm_database(backend) as url:
        engine = create_engine(url)
        try:
            schema.create_civicrm(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql("SET TIME ZONE 'UTC'")  # the stamps are naive UTC
                for start in range(0, len(accounts), CHUNK):
                    chunk = list(enumerate(accounts[start : start + CHUNK], start + 1))
                    for table, rows in _civicrm_rows(schema, chunk):
                        conn.execute(insert(table), rows)
            yield engine
        finally:
            engine.dispose()


def fill_vtiger(engine: Engine, accounts: list[Account]) -> None:
    """Vtiger's tables, the accounts as contacts laid out by the adapter's own writer
    (crm/vtiger/contacts.py), every 10th in the recycle bin in place of the organizations
    (Vtiger syncs people only), each modified its own second later."""
    tests_module("tests.support.vtiger_schema").create_vtiger(engine)
    people = [replace(a, type=AccountType.INDIVIDUAL) for a in accounts]
    with engine.begin() as conn:
        writer = Writer(conn, START, 1, START)
        for start in range(0, len(people), CHUNK):
            insert_contacts(writer, people[start : start + CHUNK])
        conn.execute(
            text(
                "UPDATE vtiger_crmentity SET deleted = (crmid % 10 = 0),"
                " modifiedtime = createdtime + INTERVAL crmid SECOND WHERE setype = 'Contacts'"
            )
        )


def measure_vtiger(n: int, tmp: Path) -> dict[str, Any]:
    """Vtiger's tables on MariaDB: the same filters, filter B's custom field left out as
    for CiviCRM (Vtiger's are not synced)."""
    server = tests_module("tests.support.crm_db").MARIADB_URL
    store = open_store(f"sqlite:///{tmp / 'listbridge-vtiger.db'}")
    with mariadb_database(server) as url:
        engine = create_engine(url)
        try:
            fill_vtiger(engine, people(n))
            crm = VtigerCrm(store, connection_id(store, "default"), engine, lambda: START)
            texts = [
                FILTERS[0],
                FILTERS[1].replace('custom."Member Since" is empty', "deceased = false"),
            ]
            runs = [one_filter(crm, text) for text in texts]
            defaults_s, everyone = timed(lambda: crm.select_account_ids(None, defaults=True))
        finally:
            engine.dispose()
    store.close()
    return {
        "crm": "vtiger",
        "backend": "mariadb",
        "accounts": n,
        "filters": runs,
        "no_filter_sql_s": defaults_s,
        "no_filter_chosen": len(everyone),
    }


def measure(backend: str, n: int, tmp: Path) -> dict[str, Any]:
    mapping = tests_module("tests.support.sqlmap_db").example_mapping()
    store = open_store(f"sqlite:///{tmp / f'listbridge-{backend}.db'}")
    with members(backend, tmp, people(n)) as engine:
        file = read_mapping("mapping-example.toml", mapping)
        crm = SqlCrm(store, connection_id(store, "default"), engine, file, lambda: START)
        runs = [one_filter(crm, text) for text in FILTERS]
        defaults_s, everyone = timed(lambda: crm.select_account_ids(None, defaults=True))
    store.close()
    return {
        "crm": "sql",
        "backend": backend,
        "accounts": n,
        "filters": runs,
        "no_filter_sql_s": defaults_s,
        "no_filter_chosen": len(everyone),
    }


def one_filter(crm: SqlCrm | CiviCrm | VtigerCrm, text: str) -> dict[str, Any]:
    segment = compile_filter(text, crm.custom_fields())
    python_s, by_python = timed(
        lambda: sorted(a.id for a in crm.changed_since(None) if segment.selects(a))
    )
    sql_s, by_sql = timed(lambda: crm.select_account_ids(segment, defaults=True))
    search_s, _ = timed(lambda: crm.select_account_ids(segment, defaults=False))
    assert by_sql == by_python, "the SQL answer is not the Python answer"
    return {
        "filter": text,
        "chosen": len(by_sql),
        "python_s": python_s,
        "sql_s": sql_s,
        "sql_matches_s": search_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--backends", default="sqlite", help="the mapped CRM's databases")
    parser.add_argument("--civicrm", action="store_true", help="CiviCRM on MariaDB too")
    parser.add_argument("--civicrm-backends", default="mariadb", help="CiviCRM's databases")
    parser.add_argument("--vtiger", action="store_true", help="Vtiger on MariaDB too")
    args = parser.parse_args()
    results = []
    for backend in [b for b in args.backends.split(",") if b]:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure(backend, args.accounts, Path(tmp)))
        print(results[-1], flush=True)
    for backend in [b for b in args.civicrm_backends.split(",") if b and args.civicrm]:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure_civicrm(args.accounts, Path(tmp), backend))
        print(results[-1], flush=True)
    if args.vtiger:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure_vtiger(args.accounts, Path(tmp)))
        print(results[-1], flush=True)
    path = write_results("filter_sql_crms", {"runs": results}, command=" ".join(sys.argv))
    print(path)


if __name__ == "__main__":
    main()
