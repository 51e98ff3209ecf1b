"""The CiviCRM adapter against CiviCRM's own tables: what it writes is what CiviCRM writes.

The contract suites hold it to the port; these read the rows back from the tables
(tests/support/civicrm_schema.py), on MariaDB and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from tests.contract.adapters import DATABASES, T0, Ticking
from tests.support import civicrm_schema as civi
from tests.support.crm_db import CRM_BACKENDS

from listbridge.core.accounts import Account, AccountType
from listbridge.core.errors import AccountRefusedError, UserError
from listbridge.core.journal import Change, Side
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.protocol import AccountBatch
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history

ANN = Account(
    "proposed",
    first_name="Ann",
    last_name="Lee",
    email="Ann.Lee@Example.org",
    email2="ann@work.example.com",
    phone1="+1 617 555 0101",
    fax="617-555-0199",
    address_line1="1 Main St",
    city="Boston",
    state="MA",
    zip="02108",
    country="US",
    title="Treasurer",
)


@pytest.fixture(params=CRM_BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    return DATABASES[f"civicrm-{request.param}"].fresh()


@pytest.fixture
def crm(store: Store, engine: Engine) -> CiviCrm:
    return CiviCrm(store, connection_id(store, "civicrm"), engine, Ticking())


def rows(engine: Engine, table: Any, **where: object) -> list[dict[str, Any]]:
    query = select(table).where(*(table.c[k] == v for k, v in where.items()))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(table.c.id)).mappings()]


def test_a_create_writes_the_rows_civicrm_would(crm: CiviCrm, engine: Engine) -> None:
    created = crm.create(ANN, reason="import")
    (contact,) = rows(engine, civi.civicrm_contact)
    assert str(contact["id"]) == created.id != "proposed"
    assert (contact["contact_type"], contact["display_name"], contact["sort_name"]) == (
        "Individual",
        "Ann Lee",
        "Lee, Ann",
    )
    assert len(contact["hash"]) == 32
    assert contact["job_title"] == "Treasurer"
    assert not contact["is_deleted"]
    assert not contact["is_opt_out"]
    assert contact["created_date"] is not None
    assert contact["modified_date"] is not None
    emails = rows(engine, civi.civicrm_email, contact_id=contact["id"])
    assert [(e["email"], bool(e["is_primary"])) for e in emails] == [
        ("Ann.Lee@Example.org", True),
        ("ann@work.example.com", False),
    ]
    home = 1  # the default location type CiviCRM's installer seeds
    for email in emails:
        assert (email["location_type_id"], email["on_hold"]) == (home, 0)
        assert not email["is_billing"]
        assert not email["is_bulkmail"]
    phones = rows(engine, civi.civicrm_phone, contact_id=contact["id"])
    assert [(p["phone_numeric"], p["phone_type_id"], bool(p["is_primary"])) for p in phones] == [
        ("16175550101", 1, True),
        ("6175550199", 3, False),
    ]
    (address,) = rows(engine, civi.civicrm_address, contact_id=contact["id"])
    assert (address["state_province_id"], address["country_id"]) == (1020, 1228)
    assert address["is_primary"]
    assert address["location_type_id"] == home
    assert replace(created, id="proposed", created_at=None, updated_at=None) == ANN


def test_a_household_is_an_organization_named_by_its_household_name(
    crm: CiviCrm, engine: Engine
) -> None:
    values = {"contact_type": "Household", "household_name": "The Lees", "sort_name": "The Lees"}
    with engine.begin() as conn:
        conn.execute(civi.civicrm_contact.insert().values(values))
    (household,) = rows(engine, civi.civicrm_contact)
    account = crm.get(str(household["id"]))
    assert account is not None
    assert (account.type, account.company_name) == (AccountType.ORGANIZATION, "The Lees")
    crm.update_fields(account.id, {"company_name": "The Lee Family"}, reason="renamed")
    (row,) = rows(engine, civi.civicrm_contact)
    assert (row["household_name"], row["display_name"]) == ("The Lee Family", "The Lee Family")
    with pytest.raises(UserError, match="CiviCRM does not change a contact's type"):
        crm.update_fields(account.id, {"type": "individual"}, reason="t")


def test_a_trashed_contact_is_never_read_but_takes_an_opt_out(crm: CiviCrm, engine: Engine) -> None:
    kept = crm.create(Account("k", first_name="Kept", email="kept@example.org"), reason="t").id
    gone = crm.create(replace(ANN, email_opt_out=True), reason="t").id
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [kept, gone], reason="t")
    with engine.begin() as conn:
        conn.execute(
            update(civi.civicrm_contact)
            .where(civi.civicrm_contact.c.id == int(gone))
            .values(is_deleted=True)
        )
    assert crm.get(gone) is None
    assert list(crm.get_many([kept, gone])) == [kept]
    assert sorted(crm.get_many([kept, gone], include_deleted=True)) == sorted([kept, gone])
    assert [a.id for a in crm.changed_since(None)] == [kept]
    assert crm.find_by_email("ann.lee@example.org") == []
    assert crm.with_primary_emails(["ann.lee@example.org"]) == []
    assert crm.opted_out_ids() == frozenset()
    assert list(crm.list_members("Board")) == [kept]
    assert crm.account_lists(gone) == []
    assert {k.id: k.emails for k in crm.match_keys()}[gone] == ()
    with pytest.raises(UserError, match="no account with id"):
        crm.add_to_list("Board", [gone], reason="t")
    assert crm.set_email_opt_out(gone, False, reason="resubscribed").email_opt_out is False


def test_a_removal_leaves_a_removed_row_and_a_return_sets_it_back(
    crm: CiviCrm, engine: Engine
) -> None:
    a1 = crm.create(ANN, reason="t").id
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [a1], reason="joined")
    crm.remove_from_list("Board", [a1], reason="left in CC")
    (member,) = rows(engine, civi.civicrm_group_contact)
    assert (str(member["contact_id"]), member["status"]) == (a1, "Removed")
    assert list(crm.list_members("Board")) == []
    assert crm.account_lists(a1) == []
    assert crm.add_to_list("Board", [a1], reason="back") == 1
    assert [(m["id"], m["status"]) for m in rows(engine, civi.civicrm_group_contact)] == [
        (member["id"], "Added")
    ]
    history_rows = rows(engine, civi.civicrm_subscription_history)
    assert [(h["status"], h["method"], h["tracking"]) for h in history_rows] == [
        ("Added", "API", "listbridge: joined"),
        ("Removed", "API", "listbridge: left in CC"),
        ("Added", "API", "listbridge: back"),
    ]


def test_a_list_is_a_mailing_list_group_whose_id_is_its_key(crm: CiviCrm, engine: Engine) -> None:
    crm.create_list("Board & Staff", reason="t")
    (group,) = rows(engine, civi.civicrm_group)
    assert (group["name"], group["title"], group["frontend_title"]) == (
        "Board_Staff",
        "Board & Staff",
        "Board & Staff",
    )
    assert (group["visibility"], group["group_type"]) == ("User and User Admin Only", "\x012\x01")
    assert group["is_active"]
    assert not group["is_hidden"]
    assert not group["is_reserved"]
    crm.rename_list("Board & Staff", "Trustees", reason="t")
    assert crm.list_keys() == {str(group["id"]): "Trustees"}
    with pytest.raises(UserError, match="ignore case"):
        crm.create_list("TRUSTEES", reason="t")
    with engine.begin() as conn:
        smart = {"name": "smart", "title": "Smart", "frontend_title": "Smart", "saved_search_id": 1}
        conn.execute(civi.civicrm_group.insert().values(smart))
    assert crm.lists() == ["Trustees"]
    with pytest.raises(UserError, match="no CRM list named 'Smart'"):
        crm.add_to_list("Smart", [], reason="t")


def test_an_update_writes_the_email_rows_in_place_and_stamps_the_contact(
    crm: CiviCrm, engine: Engine
) -> None:
    a1 = crm.create(ANN, reason="t").id
    with engine.begin() as conn:
        conn.execute(update(civi.civicrm_email).values(on_hold=1))
    before = [e["id"] for e in rows(engine, civi.civicrm_email)]
    updated = crm.update_fields(
        a1, {"email2": "ann@new.example.com", "email3": "x@y.org"}, reason="t"
    )
    assert updated.emails == ("Ann.Lee@Example.org", "ann@new.example.com", "x@y.org")
    emails = rows(engine, civi.civicrm_email)
    assert [e["id"] for e in emails][:2] == before
    assert [e["on_hold"] for e in emails] == [1, 0, 0]  # an edited address is off hold
    (contact,) = rows(engine, civi.civicrm_contact)
    assert contact["modified_date"].replace(tzinfo=None) == (T0 + timedelta(seconds=1)).replace(
        tzinfo=None
    )
    cleared = crm.update_fields(a1, {"email": "", "email3": ""}, reason="t")
    assert cleared.emails == ("ann@new.example.com",)
    assert [bool(e["is_primary"]) for e in rows(engine, civi.civicrm_email)] == [True]


def test_phones_read_and_write_by_kind_whatever_their_order(crm: CiviCrm, engine: Engine) -> None:
    a1 = crm.create(replace(ANN, phone1="", fax=""), reason="t").id
    home, work, main = 1, 2, 3  # location types of the installer's data
    phone, mobile, fax, pager = 1, 2, 3, 4  # phone types likewise
    made_in_civicrm = [  # as CiviCRM's own screens add them: a work mobile first
        (work, mobile, "555-0103", True),
        (work, phone, "555-0102", False),
        (main, pager, "555-0101", False),
        (home, fax, "555-0199", False),
        (home, phone, "555-0111", False),  # a second home-ish phone: not shown
    ]
    with engine.begin() as conn:
        for location, kind, number, primary in made_in_civicrm:
            conn.execute(
                civi.civicrm_phone.insert().values(
                    contact_id=int(a1), location_type_id=location, phone_type_id=kind,
                    phone=number, phone_numeric=number.replace("-", ""), is_primary=primary,
                    is_billing=False,
                )
            )  # fmt: skip
    account = crm.get(a1)
    assert account is not None
    shown = (account.phone1, account.phone2, account.phone3, account.fax)
    assert shown == ("555-0101", "555-0102", "555-0103", "555-0199")
    after = crm.update_fields(a1, {"phone2": "555-0202", "phone3": ""}, reason="t")
    assert (after.phone1, after.phone2, after.phone3) == ("555-0101", "555-0202", "")
    left = rows(engine, civi.civicrm_phone, contact_id=int(a1))
    assert [(p["location_type_id"], p["phone_type_id"], p["phone"]) for p in left] == [
        (work, phone, "555-0202"),
        (main, pager, "555-0101"),
        (home, fax, "555-0199"),
        (home, phone, "555-0111"),
    ]
    assert sum(bool(p["is_primary"]) for p in left) == 1
    mobile_again = crm.update_fields(a1, {"phone3": "555-0303"}, reason="t")
    assert mobile_again.phone3 == "555-0303"
    (added,) = rows(engine, civi.civicrm_phone, phone="555-0303")
    assert (added["location_type_id"], added["phone_type_id"]) == (home, mobile)


def test_a_batch_the_crm_refuses_one_account_of_names_it_and_writes_nothing(
    crm: CiviCrm, engine: Engine
) -> None:
    at = T0 + timedelta(days=1)
    far = replace(ANN, id="P2", email="far@example.org", country="Narnia", state="")
    creates = (replace(ANN, id="P1", created_at=at, updated_at=at), far)
    with pytest.raises(AccountRefusedError) as refused:
        crm.write_batch(AccountBatch(None, at, creates, (), ()), lambda _s, ids: ids)
    assert (refused.value.account_id, refused.value.detail) == (
        "P2",
        "country: 'Narnia' is not a country of this CiviCRM",
    )
    assert rows(engine, civi.civicrm_contact) == []  # one transaction: P1 is not kept


def test_what_civicrm_cannot_keep_is_refused_with_its_reason(crm: CiviCrm) -> None:
    a1 = crm.create(ANN, reason="t").id
    with pytest.raises(UserError, match=f"account {a1}: country: 'Narnia' is not a country"):
        crm.update_fields(a1, {"country": "Narnia"}, reason="t")
    with pytest.raises(UserError, match="state: 'Atlantis' is not a state"):
        crm.update_fields(a1, {"state": "Atlantis"}, reason="t")
    with pytest.raises(UserError, match=r"custom\.Note: CiviCRM custom fields are not synced"):
        crm.update_fields(a1, {"custom.Note": "hi"}, reason="t")
    with pytest.raises(UserError, match=r"new account N: custom\.Note"):
        crm.create(Account("N", custom={"Note": "hi"}), reason="t")
    assert (
        crm.update_fields(a1, {"country": "United States of America"}, reason="t").country == "US"
    )
    assert crm.custom_fields() == []


def test_a_batch_journals_its_creates_under_the_ids_civicrm_gave(
    crm: CiviCrm, store: Store
) -> None:
    at = T0 + timedelta(days=1)
    creates = (replace(ANN, id="P1", created_at=at, updated_at=at),)
    change = Change(Side.CRM, "P1", "*", None, "created", "import", at)
    ids = crm.write_batch(AccountBatch(None, at, creates, (), (change,)), lambda _s, ids: ids)
    cid = connection_id(store, "civicrm")
    assert [e.change.record_id for e in history(store, cid, Side.CRM, ids["P1"])] == [ids["P1"]]
    assert history(store, cid, Side.CRM, "P1") == []


def test_the_schema_is_the_same_after_a_run_of_writes(crm: CiviCrm, engine: Engine) -> None:
    before = _snapshot(engine)
    a1 = crm.create(ANN, reason="t").id
    crm.update_fields(a1, {"last_name": "Li", "phone2": "555", "city": "Cambridge"}, reason="t")
    crm.set_email_opt_out(a1, True, reason="t")
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [a1], reason="t")
    crm.remove_from_list("Board", [a1], reason="t")
    crm.rename_list("Board", "Trustees", reason="t")
    crm.delete_list("Trustees", reason="t")
    assert _snapshot(engine) == before


def test_the_tables_refuse_a_row_without_its_required_columns(engine: Engine) -> None:
    """What the fixture is for: a writer that forgets a NOT NULL column fails here
    (MariaDB's strict mode says so with an OperationalError)."""
    refused = (IntegrityError, OperationalError)
    with pytest.raises(refused), engine.begin() as conn:
        conn.execute(civi.civicrm_group.insert().values(name="g", title="G"))
    with pytest.raises(refused), engine.begin() as conn:
        conn.execute(
            text("INSERT INTO civicrm_group_contact (group_id, status) VALUES (1, 'Added')")
        )


def _snapshot(engine: Engine) -> dict[str, list[tuple[str, str, bool]]]:
    schema = inspect(engine)
    return {
        table: [(c["name"], str(c["type"]), c["nullable"]) for c in schema.get_columns(table)]
        for table in sorted(schema.get_table_names())
    }
