"""A segment filter run as SQL over CiviCRM's contacts (crm/civicrm/filter_sql.py)
chooses exactly the accounts the Python predicate chooses: the random filters and the
people of test_filter_sql_same.py as CiviCRM contacts, with CiviCRM's own spellings on
the contact row (a household, a NULL type, a flag of 2, a NULL trash flag), on MariaDB
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import tests.unit.test_filter_sql_same as same
from sqlalchemy import text, update
from tests.support.civicrm_db import civicrm_engine

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
        yield crm


def test_sql_chooses_what_python_chooses(crm: CiviCrm) -> None:
    everyone = list(crm.changed_since(None))
    assert len(everyone) == len(same.PEOPLE) - 1  # one in the trash
    assert {a.type for a in everyone} == {AccountType.INDIVIDUAL, AccountType.ORGANIZATION}
    same.chooses_as_python(crm.select_account_ids, crm.custom_fields(), everyone, examples=120)


def test_no_filter_is_the_defaults_in_sql(crm: CiviCrm) -> None:
    everyone = list(crm.changed_since(None))
    assert segment_ids(crm, None, defaults=False) == sorted(a.id for a in everyone)
    meets = compile_filter("id is not empty").selects
    assert crm.select_account_ids(None, defaults=True) == sorted(a.id for a in everyone if meets(a))
