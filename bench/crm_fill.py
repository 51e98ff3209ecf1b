"""The CRM databases of bench/crm_push.py: a new MariaDB database, and the same people
bulk-inserted into CiviCRM's tables or the members database of docs/mapping-example.toml.

The tables are the tests' (tests/support/civicrm_schema.py, sqlmap_schema.py: the
realistic schemas, with their indexes and seeded rows); the rows go straight in with
executemany in chunks, laid out as each adapter's writer lays them out (the adapters
write one by one). Account i is row i + 1 in either CRM.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, create_engine, insert, text
from sqlalchemy.engine import Engine

from common import tests_module
from listbridge.core.accounts import Account, AccountType

CHUNK = 5000
#: the rows of tests/support/civicrm_schema.py's install data the contacts point at
HOME, WORK = 1, 2
PHONE, MOBILE = 1, 2
ILLINOIS, UNITED_STATES = 1012, 1228
#: people.kind as docs/mapping-example.toml translates it
KIND = {AccountType.INDIVIDUAL: "P", AccountType.ORGANIZATION: "O"}

Numbered = list[tuple[int, Account]]
Rows = list[tuple[Table, list[dict[str, Any]]]]


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
    """CiviCRM's tables; the accounts as contacts with their email, phones and address,
    as crm/civicrm/writes.py lays them out; seconds the inserts took."""
    schema = tests_module("tests.support.civicrm_schema")
    schema.create_civicrm(engine)
    return _inserted(engine, accounts, lambda chunk: _civicrm_rows(schema, chunk))


def fill_members(engine: Engine, accounts: list[Account]) -> float:
    """The members tables; the accounts as `people` rows, every column the example
    mapping maps filled, and `name` too (the fingerprint variant's full name)."""
    schema = tests_module("tests.support.sqlmap_schema")
    schema.create_members_db(engine)
    return _inserted(engine, accounts, lambda chunk: [(schema.people, _people(chunk))])


def _inserted(engine: Engine, accounts: list[Account], rows: Callable[[Numbered], Rows]) -> float:
    began = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET time_zone = '+00:00'")  # the stamps are naive UTC
        for start in range(0, len(accounts), CHUNK):
            for table, values in rows(list(enumerate(accounts[start : start + CHUNK], start + 1))):
                conn.execute(insert(table), values)
    return time.perf_counter() - began


def _stamp(account: Account) -> datetime:
    assert account.updated_at is not None
    return account.updated_at.astimezone(UTC).replace(microsecond=0, tzinfo=None)


def _people(chunk: Numbered) -> list[dict[str, Any]]:
    return [{
        "person_id": pid, "kind": KIND[a.type], "first_name": a.first_name,
        "last_name": a.last_name, "name": f"{a.first_name} {a.last_name}",
        "organisation": a.company_name, "email": a.email, "email_work": a.email2 or None,
        "email_other": a.email3 or None, "mobile": a.phone1, "street": a.address_line1,
        "town": a.city, "region": a.state, "postcode": a.zip, "country": a.country,
        "job_title": a.title, "newsletter": "N" if a.email_opt_out else "Y",
        "source": "bench", "changed_on": _stamp(a), "created_on": _stamp(a),
    } for pid, a in chunk]  # fmt: skip


def _civicrm_rows(schema: Any, chunk: Numbered) -> Rows:
    contacts, emails, phones, addresses = [], [], [], []
    for cid, a in chunk:
        contacts.append({
            "id": cid, "contact_type": "Individual", "first_name": a.first_name,
            "last_name": a.last_name, "organization_name": a.company_name,
            "display_name": f"{a.first_name} {a.last_name}",
            "sort_name": f"{a.last_name}, {a.first_name}", "hash": secrets.token_hex(16),
            "job_title": a.title, "created_date": _stamp(a), "modified_date": _stamp(a),
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
    return [
        (schema.civicrm_contact, contacts),
        (schema.civicrm_email, emails),
        (schema.civicrm_phone, phones),
        (schema.civicrm_address, addresses),
    ]
