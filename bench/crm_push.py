"""One push from CiviCRM on MariaDB against the builtin CRM (issue 14); not a test.

    .venv/bin/python bench/crm_push.py [--accounts 100000] [--mariadb URL]

The same N people (push_speed's accounts: every standard field filled) in two CRMs,
each pushed by `listbridge push --list Bench --json` in its own process, each against
a fresh emulator in its own process and its own SQLite state store:
1. baseline: the builtin CRM, the accounts inserted into the state store;
2. CiviCRM: a new MariaDB database (`--mariadb`, created with a unique name and dropped
   at the end) with CiviCRM's tables as tests/support/civicrm_schema.py makes them
   (imported from tests/: the realistic schema, with its indexes and seeded rows), the
   contacts bulk-inserted straight into civicrm_contact, civicrm_email, civicrm_phone and
   civicrm_address (executemany in chunks; the adapter writes one by one), and the
   connection switched to it with `listbridge crm use civicrm --url URL`.
Per CRM: the first push (every account created) and a second one with nothing changed
(no write owed): API calls in total and by endpoint (/__emulator__/counters), calls per
record, records per second, wall time and peak RSS of the push process; the ratios
CiviCRM / builtin; whether the calls are equal (and equal but for the activity polls,
whose number follows the emulator's speed). Then, in this process, the CRM reads a
job makes, timed on each CRM: changed_since(None) streamed (the push's read),
match_keys, get_many of 1000 ids, find_by_email and with_primary_emails.
Writes bench/results/crm_push-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Connection, Engine

from common import run_child, start_emulator, tests_module, write_results
from listbridge.core.accounts import Account
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store
from listbridge.sync.cc_connection import open_client
from push_speed import account, build_crm, one_push

MARIADB = "mysql+pymysql://root@127.0.0.1:3306"
CHUNK = 5000
#: the rows of tests/support/civicrm_schema.py's install data the contacts point at
HOME, WORK = 1, 2
PHONE, MOBILE = 1, 2
ILLINOIS, UNITED_STATES = 1012, 1228
#: how many ids and addresses the timed look-ups use
SAMPLE = 1000
LOOKUPS = 200
POLL = "GET /v3/activities/{activity_id}"


@contextmanager
def mariadb_database(server: str) -> Iterator[str]:
    """A new, empty utf8mb4 database on `server`, dropped afterwards."""
    name = f"lbbench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        try:
            yield f"{server}/{name}?charset=utf8mb4"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE `{name}`"))
    finally:
        admin.dispose()


def fill_civicrm(engine: Engine, accounts: list[Account]) -> float:
    """The accounts as contact i + 1 with their email, phones and address, as the
    adapter's writer lays them out (crm/civicrm/writes.py); seconds taken."""
    schema = tests_module("tests.support.civicrm_schema")
    schema.create_civicrm(engine)
    began = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET time_zone = '+00:00'")  # the stamps below are naive UTC
        for start in range(0, len(accounts), CHUNK):
            chunk = list(enumerate(accounts[start : start + CHUNK], start + 1))
            _insert_chunk(conn, schema, chunk)
    return time.perf_counter() - began


def _insert_chunk(conn: Connection, schema: Any, chunk: list[tuple[int, Account]]) -> None:
    contacts, emails, phones, addresses = [], [], [], []
    for cid, a in chunk:
        assert a.updated_at is not None
        at = a.updated_at.astimezone(UTC).replace(microsecond=0, tzinfo=None)
        contacts.append({
            "id": cid, "contact_type": "Individual", "first_name": a.first_name,
            "last_name": a.last_name, "organization_name": a.company_name,
            "display_name": f"{a.first_name} {a.last_name}",
            "sort_name": f"{a.last_name}, {a.first_name}", "hash": secrets.token_hex(16),
            "job_title": a.title, "created_date": at, "modified_date": at,
        })  # fmt: skip
        emails.append({"contact_id": cid, "location_type_id": HOME, "email": a.email,
                       "is_primary": True})  # fmt: skip
        for n, (phone, location, kind) in enumerate(
            ((a.phone1, HOME, PHONE), (a.phone2, WORK, PHONE), (a.phone3, HOME, MOBILE))
        ):
            digits = "".join(c for c in phone if c.isdigit())
            phones.append({"contact_id": cid, "location_type_id": location,
                           "is_primary": n == 0, "phone": phone, "phone_numeric": digits,
                           "phone_type_id": kind})  # fmt: skip
        addresses.append({
            "contact_id": cid, "location_type_id": HOME, "is_primary": True,
            "street_address": a.address_line1, "city": a.city, "postal_code": a.zip,
            "state_province_id": ILLINOIS, "country_id": UNITED_STATES,
        })  # fmt: skip
    for table, rows in (
        (schema.civicrm_contact, contacts),
        (schema.civicrm_email, emails),
        (schema.civicrm_phone, phones),
        (schema.civicrm_address, addresses),
    ):
        conn.execute(insert(table), rows)


def timed(run: Callable[[], int]) -> dict[str, float]:
    began = time.perf_counter()
    count = run()
    return {"seconds": round(time.perf_counter() - began, 3), "records": count}


def reads(crm: CrmAdapter, accounts: list[Account], ids: list[str]) -> dict[str, Any]:
    """The CRM reads of the jobs, timed in this process (the push uses the first)."""
    step = max(1, len(accounts) // LOOKUPS)
    addresses = [a.email for a in accounts[::step]][:LOOKUPS]
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    found = {
        "changed_since(None)": timed(lambda: sum(1 for _ in crm.changed_since(None))),
        "match_keys": timed(lambda: sum(1 for _ in crm.match_keys())),
        f"get_many({len(sample)})": timed(lambda: len(crm.get_many(sample))),
        f"find_by_email x{len(addresses)}": timed(
            lambda: sum(len(crm.find_by_email(e)) for e in addresses)
        ),
        f"with_primary_emails({len(addresses)})": timed(
            lambda: len(crm.with_primary_emails(addresses))
        ),
    }
    per = found[f"find_by_email x{len(addresses)}"]
    per["ms_per_call"] = round(1000 * per["seconds"] / max(1, len(addresses)), 2)
    return found


def figures(push: dict[str, Any], n: int) -> dict[str, Any]:
    return push | {
        "calls_per_record": round(push["api_calls"] / n, 5),
        "records_per_second": round(n / push["seconds"], 1) if push["seconds"] else None,
    }


def crm_run(
    n: int,
    db_url: str,
    setup: Callable[[list[str]], dict[str, Any]],
    opened: Callable[[Store, int], CrmAdapter],
    people: tuple[list[Account], list[str]],
) -> dict[str, Any]:
    """An emulator, a connection to it with the list Bench, `setup` (the CRM), two
    pushes; then the reads of the CRM `opened` gives, timed here, on `people`: the
    accounts and their ids in that CRM."""
    cli = [sys.executable, "-m", "listbridge", "--db", db_url]
    process, base = start_emulator()
    try:
        control = httpx.Client(base_url=f"{base}/__emulator__", timeout=3600)
        run_child([*cli, "connect", "--emulator", base])
        store = open_store(db_url)
        cid = connection_id(store, "default")
        client = open_client(store, cid)
        client.create_list("Bench")
        client.close()
        prepared = setup(cli)
        first = figures(one_push(control, cli), n)
        again = figures(one_push(control, cli), n)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {"setup": prepared, "first push": first, "nothing changed": again,
            "reads": reads(opened(store, cid), *people)}  # fmt: skip


def ratios(civi: dict[str, Any], builtin: dict[str, Any]) -> dict[str, Any]:
    keys = ("api_calls", "calls_per_record", "records_per_second", "seconds", "peak_rss_mb")
    return {k: round(civi[k] / builtin[k], 3) if builtin[k] else None for k in keys}


def compared(civi: dict[str, Any], builtin: dict[str, Any]) -> dict[str, Any]:
    """Equal calls, or by how much each endpoint differs. The polls of a bulk activity
    follow how soon the emulator's worker finishes it (machine load), not the CRM, so
    equality without them is reported too."""
    endpoints = sorted(set(civi["by_endpoint"]) | set(builtin["by_endpoint"]))
    differ = {
        e: {"civicrm": civi["by_endpoint"].get(e, 0), "builtin": builtin["by_endpoint"].get(e, 0)}
        for e in endpoints
        if civi["by_endpoint"].get(e, 0) != builtin["by_endpoint"].get(e, 0)
    }
    return {
        "api_calls_equal": not differ,
        "equal_but_activity_polls": set(differ) <= {POLL},
        "differ": differ,
        "civicrm/builtin": ratios(civi, builtin),
    }


def measure(n: int, tmp: str, server: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    people = [replace(account(i), created_at=now, updated_at=now) for i in range(n)]
    builtin_db, civi_db = f"sqlite:///{tmp}/builtin.db", f"sqlite:///{tmp}/civicrm.db"

    def builtin_setup(cli: list[str]) -> dict[str, Any]:
        began = time.perf_counter()
        build_crm(builtin_db, n)
        return {"load_seconds": round(time.perf_counter() - began, 1)}

    builtin = crm_run(n, builtin_db, builtin_setup, BuiltinCrm, (people, [a.id for a in people]))
    with mariadb_database(server) as url:
        engine = create_engine(url)
        try:

            def civi_setup(cli: list[str]) -> dict[str, Any]:
                loaded = fill_civicrm(engine, people)
                out, _, _ = run_child([*cli, "crm", "use", "civicrm", "--url", url, "--json"])
                return {"load_seconds": round(loaded, 1), "crm use": json.loads(out)}

            def civi_crm(store: Store, cid: int) -> CrmAdapter:
                return CiviCrm(store, cid, engine, lambda: datetime.now(UTC))

            ids = [str(i + 1) for i in range(n)]
            civi = crm_run(n, civi_db, civi_setup, civi_crm, (people, ids))
        finally:
            engine.dispose()
    return {
        "builtin": builtin,
        "civicrm": civi,
        "first push": compared(civi["first push"], builtin["first push"]),
        "nothing changed": compared(civi["nothing changed"], builtin["nothing changed"]),
        "reads civicrm/builtin (seconds)": {
            name: round(took["seconds"] / builtin["reads"][name]["seconds"], 2)
            for name, took in civi["reads"].items()
            if builtin["reads"][name]["seconds"]
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--mariadb", default=MARIADB, help="server URL, no database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LISTBRIDGE_KEY_FILE", f"{tmp}/secret.key")
        results = measure(args.accounts, tmp, args.mariadb)
    print(json.dumps(results, indent=2))
    path = write_results(
        "crm_push",
        results,
        accounts=args.accounts,
        state_store="sqlite",
        civicrm="mariadb",
        note="emulator in its own process per CRM; client limited to 4 requests/s as against CC",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
