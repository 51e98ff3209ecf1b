"""A segment filter run as SQL over Vtiger's contacts (crm/vtiger/filter_sql.py) chooses
exactly the accounts the Python predicate chooses: the random filters and the people of
test_filter_sql_same.py as Vtiger contacts (the organization a person at its company,
the flags Vtiger has no place for left out), with the rows as Vtiger and its users leave
them: the opt-out checkbox spelt 'on', 'yes', ' 1', NULL; a contact without its address
or subdetails row; an organisation deleted, two spellings of one; a contact in the
recycle bin; control characters at a value's ends. On MariaDB, Vtiger's database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tests.unit.test_filter_sql_same as same
from sqlalchemy import Connection, Select, Table, delete, select, update
from sqlalchemy.engine import Engine
from tests.support.vtiger_db import vtiger_engine

from listbridge.core.accounts import Account
from listbridge.core.filters import compile_filter
from listbridge.crm.segments import segment_ids
from listbridge.crm.vtiger import VtigerCrm, reads
from listbridge.crm.vtiger.fields import to_db
from listbridge.crm.vtiger.tables import (
    ACCOUNT,
    CONTACTADDRESS,
    CONTACTDETAILS,
    CONTACTSUBDETAILS,
    CRMENTITY,
)
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

#: what Vtiger has no place for (check_new refuses it)
NO_PLACE = ("type", "deceased", "do_not_contact")
#: more people, as Vtiger's users type them: a company in two spellings, values with
#: control characters or Unicode spaces at their ends, a household at one address
MORE: list[tuple[str, dict[str, object]]] = [
    ("V01", {"first_name": "Ann", "last_name": "LEE", "email": "ann@example.org",
             "company_name": " ACME İNC ", "city": "boston\t", "state": "ma"}),
    ("V02", {"first_name": "Rae", "last_name": "Lee", "email": "rae@example.org",
             "company_name": "Lee Family", "address_line1": "1 Elm St", "city": "Boston",
             "phone2": "+1 617 555 0100", "zip": "02134"}),
    ("V03", {"first_name": "Cy", "last_name": "Lee", "email": "CY@EXAMPLE.ORG\u2003",
             "company_name": "Lee Family", "address_line1": "1 Elm St", "city": "Boston",
             "phone1": "617-555-0100", "zip": "02134", "title": "\x01Dr"}),
    ("V04", {"first_name": "Ida", "last_name": "Old", "email": "ida@example.org",
             "company_name": "Gone Ltd", "country": "US", "phone3": "555"}),
    ("V05", {"first_name": "Max", "last_name": "Ng", "email": "max@example.org",
             "email2": "Max@Example.org", "country": "Deutschland", "fax": "\x7f"}),
    ("V06", {"first_name": "Noa", "email": "noa@example.org", "state": "NY"}),
    ("V07", {"first_name": "Eli", "email": "eli@example.org", "state": "NY "}),
]  # fmt: skip
#: emailoptout as Vtiger and older releases leave it, by person
OPT_OUT = {"A01": "on", "A03": " 1", "A04": "yes", "A09": None, "A13": "", "V02": "Yes",
           "V06": "no", "V07": "1"}  # fmt: skip


Made = tuple[VtigerCrm, dict[str, str]]


@pytest.fixture
def made(store: Store) -> Iterator[Made]:
    """The CRM, and each person's crmid."""
    with vtiger_engine() as engine:
        crm = VtigerCrm(store, connection_id(store, "default"), engine, lambda: datetime.now(UTC))
        ids = _created(crm, engine)
        with engine.begin() as conn:
            for person, value in OPT_OUT.items():
                _set(conn, CONTACTDETAILS, ids[person], emailoptout=value)
            address = CONTACTADDRESS.c.contactaddressid
            conn.execute(delete(CONTACTADDRESS).where(address == int(ids["V06"])))
            sub = CONTACTSUBDETAILS.c.contactsubscriptionid
            conn.execute(delete(CONTACTSUBDETAILS).where(sub.in_([ids["V05"], ids["A02"]])))
            _set(conn, CRMENTITY, ids["A12"], deleted=1)  # in the recycle bin
            gone = conn.scalar(
                select(ACCOUNT.c.accountid).where(ACCOUNT.c.accountname == "Gone Ltd")
            )
            _set(conn, CRMENTITY, str(gone), deleted=1)  # its contact keeps the link
            _set(conn, CONTACTDETAILS, ids["V07"], accountid=999_999)  # no such organisation
        yield crm, ids


def _created(crm: VtigerCrm, engine: Engine) -> dict[str, str]:
    """Each person created through the adapter, then stamped: their crmid by person."""
    ids = {}
    for n, (person, values) in enumerate(same.PEOPLE + MORE):
        at = same.TIMES[n % len(same.TIMES)]
        kept = {k: v for k, v in values.items() if k not in NO_PLACE}
        ids[person] = crm.create(Account(person, **kept), reason="test").id  # type: ignore[arg-type]
        stamps = {"createdtime": to_db(at), "modifiedtime": to_db(at + timedelta(days=n))}
        with engine.begin() as conn:
            _set(conn, CRMENTITY, ids[person], **stamps)
    return ids


def _set(conn: Connection, table: Table, crmid: str, **values: object) -> None:
    key = next(iter(table.primary_key.columns))
    conn.execute(update(table).where(key == int(crmid)).values(values))


def test_sql_chooses_what_python_chooses(made: Made) -> None:
    crm, _ = made
    everyone = list(crm.changed_since(None))
    assert len(everyone) == len(same.PEOPLE) + len(MORE) - 1  # one in the recycle bin
    assert sum(a.email_opt_out for a in everyone) == 6  # A05, 'on', ' 1', 'yes', 'Yes', '1'
    assert {a.company_name for a in everyone} >= {"Acme İnc", "Lee Family", ""}
    same.chooses_as_python(crm.select_account_ids, crm.custom_fields(), everyone, examples=150)


#: the fields test_filter_sql_same.py's filters leave out, with the values they hold
EXTRA = ["phone1", "phone2", "phone3", "fax", "address_line1", "country", "middle_name",
         "individual_type", "origin_detail", "do_not_contact"]  # fmt: skip
HELD = sorted({v for _, p in MORE for k, v in p.items() if k in EXTRA and isinstance(v, str)})


def test_vtiger_fields_choose_what_python_chooses(made: Made) -> None:
    """The phones, fax, street and country, and the fields Vtiger has no place for."""
    crm, _ = made
    everyone = list(crm.changed_since(None))
    mixed = same.mixed_filters(EXTRA, HELD)
    same.chooses_as_python(crm.select_account_ids, [], everyone, examples=100, texts=mixed)


def test_no_filter_is_the_defaults_in_sql(made: Made) -> None:
    crm, _ = made
    everyone = list(crm.changed_since(None))
    assert segment_ids(crm, None, defaults=False) == sorted(a.id for a in everyone)
    meets = compile_filter("id is not empty").selects
    chosen = crm.select_account_ids(None, defaults=True)
    assert chosen == sorted(a.id for a in everyone if meets(a))
    assert len(chosen) == len(everyone) - 6


def test_vtiger_values_are_judged_as_python_judges_them(made: Made) -> None:
    """The cases where SQL's collation, TRIM and joins part ways with Python."""
    crm, ids = made
    everyone = list(crm.changed_since(None))
    for text, people in [
        ('company_name = "acme inc"', []),  # İ is not I
        ('company_name = "ACME İNC"', ["A08", "V01"]),
        ('company_name = "lee family"', ["V02", "V03"]),
        ('company_name is empty and last_name in ("old", "ng")', ["V04", "V05"]),
        ('city = "boston"', ["A01", "V01", "V02", "V03"]),  # "boston\t" as Python strips it
        ('state = "ny"', ["A09", "V07"]),  # V06 has no address row
        ('city is empty and first_name in ("noa", "max")', ["V05", "V06"]),
        ('phone1 is not empty or phone2 = "+1 617 555 0100"', ["V02", "V03"]),
        ('title = "\x01dr"', ["V03"]),
        ('any_email = "cy@example.org"', ["V03"]),  # an em space at its end
        ('email_opt_out = true and first_name < "b"', ["A01"]),
        ('fax > "~"', ["V05"]),
    ]:
        segment = compile_filter(text)
        chosen = crm.select_account_ids(segment, defaults=False)
        assert chosen == sorted(a.id for a in everyone if segment.matches(a)), text
        assert chosen == sorted(ids[p] for p in people), text


def test_only_what_sql_cannot_decide_is_read(made: Made, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain ASCII is decided in SQL on MariaDB: only the non-ASCII last names are read."""
    crm, ids = made
    read: list[str] = []
    accounts = reads.accounts

    def counted(conn: Connection, query: Select[Any]) -> list[Account]:
        found = accounts(conn, query)
        read.extend(a.id for a in found)
        return found

    monkeypatch.setattr(reads, "accounts", counted)
    segment = compile_filter('last_name = "lee" or phone2 is not empty')
    chosen = crm.select_account_ids(segment, defaults=False)
    assert chosen == sorted(ids[p] for p in ("A01", "A02", "V01", "V02", "V03"))
    assert sorted(read) == sorted(ids[p] for p in ("A03", "A10"))  # Müller, ΣΊΣΥΦΟΣ
