"""A segment filter run as SQL over CiviCRM's contacts (crm/civicrm/filter_sql.py)
chooses exactly the accounts the Python predicate chooses: the random filters and the
people of test_filter_sql_same.py as CiviCRM contacts, with CiviCRM's own spellings on
the contact row (a household, a NULL type, a flag of 2, a NULL trash flag) and in the
rows around it (a fourth e-mail, empty and blank e-mails, a primary row after another,
two addresses, states and countries without an abbreviation or ISO code), on MariaDB
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import tests.unit.test_filter_sql_same as same
from sqlalchemy import Connection, insert, text, update
from tests.support.civicrm_db import civicrm_engine
from tests.support.civicrm_schema import civicrm_address as ADDRESS
from tests.support.civicrm_schema import civicrm_country as COUNTRY
from tests.support.civicrm_schema import civicrm_email as EMAIL
from tests.support.civicrm_schema import civicrm_state_province as STATE

from listbridge.core.accounts import Account, AccountType
from listbridge.core.filters import compile_filter
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.civicrm.tables import CONTACT
from listbridge.crm.segments import segment_ids
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

#: the contact row as CiviCRM's users may leave it: (contact n, column, value)
ODD_ROWS = [
    (8, "contact_type", "Household"),
    (9, "contact_type", None),
    (6, "is_deceased", 2),
    (12, "is_deleted", 1),
]


#: states and countries as an install may hold them: no abbreviation, a blank one, no code
PLACES = [
    (COUNTRY, {"id": 9100, "name": "Atlantis", "iso_code": None, "region_id": 1}),
    (STATE, {"id": 9001, "name": "Île-de-France", "abbreviation": "", "country_id": 1076}),
    (STATE, {"id": 9002, "name": "Bayern", "abbreviation": None, "country_id": 1082}),
    (STATE, {"id": 9003, "name": "Nowhere", "abbreviation": " ", "country_id": 9100}),
    (STATE, {"id": 9004, "name": "Massachusetts", "abbreviation": "ma", "country_id": 9100}),
]
#: e-mails and addresses beyond those the adapter wrote: (contact n, table, row)
ROWS = [
    (1, EMAIL, {"email": ""}), (1, EMAIL, {"email": "Second@Example.org"}),
    (1, EMAIL, {"email": " "}), (1, EMAIL, {"email": "fourth@example.org"}),  # not shown
    (2, EMAIL, {"email": "bo.primary@example.org", "is_primary": True}),  # a second primary
    (3, EMAIL, {"email": None}), (9, EMAIL, {"email": "FIONA@example.org"}),
    (1, ADDRESS, {"city": "Chicago", "state_province_id": 1012, "country_id": 1228}),
    (5, ADDRESS, {"city": "Paris", "state_province_id": 9001, "country_id": 1076}),
    (5, ADDRESS, {"city": "München", "state_province_id": 9002, "country_id": 1082,
                  "is_primary": True}),  # the primary one, though after Paris
    (6, ADDRESS, {"city": "Nowhere", "state_province_id": 9003, "country_id": 9100}),
    (7, ADDRESS, {"city": " ", "state_province_id": 9004, "country_id": 9100,
                  "postal_code": "01234"}),
]  # fmt: skip
#: company names on the contact row: the household's, an individual's employer
COMPANIES = [(8, {"household_name": "Lee Household"}), (2, {"organization_name": "ACME inc"}),
             (11, {"household_name": "Not Read", "organization_name": " acme INC"})]  # fmt: skip


@pytest.fixture(params=["mariadb", "postgresql"])
def crm(request: pytest.FixtureRequest, store: Store) -> Iterator[CiviCrm]:
    with civicrm_engine(request.param) as engine:
        crm = CiviCrm(store, connection_id(store, "default"), engine, lambda: datetime.now(UTC))
        for n, (account_id, values) in enumerate(same.PEOPLE):
            at = same.TIMES[n % len(same.TIMES)]
            free = {k: v for k, v in values.items() if k != "state"}  # CiviCRM's states only
            account = Account(account_id, **free)  # type: ignore[arg-type]
            made = crm.create(account, reason="test")
            stamps = {"created_date": at, "modified_date": at + timedelta(days=n)}
            with engine.begin() as conn:
                conn.execute(update(CONTACT).where(CONTACT.c.id == int(made.id)).values(stamps))
        with engine.begin() as conn:
            for n, column, value in ODD_ROWS:
                if value == 2 and request.param == "mariadb":  # TINYINT: any number
                    conn.execute(text(f"UPDATE civicrm_contact SET {column} = 2 WHERE id = {n}"))
                    continue
                raw = {column: value if value != 2 else True}
                conn.execute(update(CONTACT).where(CONTACT.c.id == n).values(raw))
            _add_rows(conn)
        yield crm


def _add_rows(conn: Connection) -> None:
    for table, row in PLACES:
        conn.execute(insert(table).values(row))
    for n, table, row in ROWS:
        conn.execute(insert(table).values({"contact_id": n, "location_type_id": 1} | row))
    for n, values in COMPANIES:
        conn.execute(update(CONTACT).where(CONTACT.c.id == n).values(values))


def test_sql_chooses_what_python_chooses(crm: CiviCrm) -> None:
    everyone = list(crm.changed_since(None))
    assert len(everyone) == len(same.PEOPLE) - 1  # one in the trash
    assert {a.type for a in everyone} == {AccountType.INDIVIDUAL, AccountType.ORGANIZATION}
    same.chooses_as_python(crm.select_account_ids, crm.custom_fields(), everyone, examples=120)


#: the fields test_filter_sql_same.py's filters leave out
EXTRA = ["country", "address_line1", "phone1", "phone2", "phone3", "fax", "individual_type",
         "origin_category", "origin_detail", "cc_contact_id", "deceased"]  # fmt: skip
HELD = ["Atlantis", "DE", "US", "FR", "Germany"]


def test_other_fields_choose_what_python_chooses(crm: CiviCrm) -> None:
    """The country and street, phones, subtypes, what CiviCRM does not keep."""
    everyone = list(crm.changed_since(None))
    mixed = same.mixed_filters(EXTRA, HELD)
    same.chooses_as_python(crm.select_account_ids, [], everyone, examples=80, texts=mixed)


def test_no_filter_is_the_defaults_in_sql(crm: CiviCrm) -> None:
    everyone = list(crm.changed_since(None))
    assert segment_ids(crm, None, defaults=False) == sorted(a.id for a in everyone)
    meets = compile_filter("id is not empty").selects
    assert crm.select_account_ids(None, defaults=True) == sorted(a.id for a in everyone if meets(a))


def test_rows_around_the_contact_are_read_as_python_reads_them(crm: CiviCrm) -> None:
    """The e-mails shown (three, none empty, primary first), the first address with its
    state's and country's names, the company by type: SQL's reading and Python's."""
    everyone = list(crm.changed_since(None))
    for rule, chosen in [
        ('any_email contains "fourth"', []),  # A01's fourth e-mail is not shown
        ('email2 = "second@example.org"', ["1"]),  # the empty one skipped
        ("email3 is empty and email2 is not empty", ["1", "14"]),  # A01's third is " "
        ('email2 = "bo.primary@example.org" and email3 = "bo@example.org"', ["2"]),  # primary first
        ('city = "münchen"', ["5"]),
        ('city = "paris"', []),  # the primary address is read, though added after
        ('state = "bayern" or state = "île-de-france"', ["5"]),
        ('state in ("ma", "il") or city = "chicago"', ["7"]),  # A01's second address unread
        ('country in ("us", "de")', ["5"]),  # A01's US address is its second
        ('country = "atlantis" or state = "nowhere"', ["6", "7"]),
        ('company_name = "acme inc"', ["11", "2"]),
        ('company_name = "lee household"', ["8"]),
    ]:
        segment = compile_filter(rule)
        found = crm.select_account_ids(segment, defaults=False)
        assert found == sorted(a.id for a in everyone if segment.matches(a)), rule
        assert found == sorted(chosen), rule
