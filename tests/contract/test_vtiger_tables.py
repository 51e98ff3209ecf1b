"""The Vtiger adapter in Vtiger's own tables: the rows a write leaves, read back with SQL.

The contract suites hold Vtiger to the port; these tests hold it to Vtiger: a contact,
an organisation and a campaign get every row Vtiger needs to show them, numbered as
Vtiger numbers them, the schema is never altered, and deleted records are never read.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.orm import Session
from tests.contract.adapters import DATABASES, T0, Ticking
from tests.support import vtiger_schema as vt

from listbridge.core.accounts import Account, AccountType
from listbridge.core.errors import UserError
from listbridge.core.journal import Change, Side
from listbridge.crm.protocol import AccountBatch
from listbridge.crm.vtiger import VtigerCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history

USER = 7


@pytest.fixture
def engine() -> Engine:
    return DATABASES["vtiger-mariadb"].fresh()


@pytest.fixture
def cid(store: Store) -> int:
    return connection_id(store, "vtiger")


@pytest.fixture
def crm(store: Store, cid: int, engine: Engine) -> VtigerCrm:
    return VtigerCrm(store, cid, engine, Ticking(), user_id=USER)


def ann(**overrides: Any) -> Account:
    values: dict[str, Any] = {
        "id": "A1",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.org",
        "phone1": "555-1",
        "phone2": "555-2",
        "phone3": "555-3",
        "address_line1": "1 Main St",
        "city": "Springfield",
        "zip": "12345",
        "country": "USA",
    }
    return Account(**(values | overrides))


def row(engine: Engine, table: Any, **where: object) -> dict[str, Any]:
    query = select(table).filter_by(**where)
    with engine.connect() as conn:
        found = conn.execute(query).mappings().all()
    assert len(found) == 1, f"{table.name} {where}: {len(found)} rows"
    return dict(found[0])


def part(found: dict[str, Any], *columns: str) -> tuple[Any, ...]:
    return tuple(found[c] for c in columns)


def count(engine: Engine, table: Any, **where: object) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(table).filter_by(**where)).all())


def test_a_create_writes_every_row_vtiger_needs_numbered_in_sequence(
    crm: VtigerCrm, engine: Engine
) -> None:
    first = crm.create(ann(), reason="test")
    second = crm.create(ann(first_name="Bo", email="bo@example.org"), reason="test")
    assert (first.id, second.id) == ("2", "3")  # a fresh install drew crmid 1
    entity = row(engine, vt.CRMENTITY, crmid=2)
    assert part(entity, "setype", "label", "source") == ("Contacts", "Ann Lee", "LISTBRIDGE")
    assert part(entity, "deleted", "presence") == (0, 1)
    assert entity["smownerid"] == entity["smcreatorid"] == entity["modifiedby"] == USER
    assert entity["createdtime"] == entity["modifiedtime"] == T0.replace(tzinfo=None)
    details = row(engine, vt.CONTACTDETAILS, contactid=2)
    assert part(details, "contact_no", "firstname", "emailoptout") == ("CON1", "Ann", "0")
    assert (details["phone"], details["mobile"]) == ("555-2", "555-3")
    assert row(engine, vt.CONTACTDETAILS, contactid=3)["contact_no"] == "CON2"
    assert row(engine, vt.CONTACTSUBDETAILS, contactsubscriptionid=2)["homephone"] == "555-1"
    address = row(engine, vt.CONTACTADDRESS, contactaddressid=2)
    assert (address["mailingstreet"], address["mailingzip"]) == ("1 Main St", "12345")
    assert row(engine, vt.CONTACTSCF, contactid=2) == {"contactid": 2}
    assert row(engine, vt.CUSTOMERDETAILS, customerid=2)["portal"] == "0"
    assert row(engine, vt.CRMENTITY_SEQ)["id"] == 3
    assert row(engine, vt.MODENTITY_NUM, semodule="Contacts")["cur_id"] == "3"


def test_numbers_keep_the_width_vtiger_was_given(crm: VtigerCrm, engine: Engine) -> None:
    with engine.begin() as conn:
        numbering = vt.MODENTITY_NUM.c.semodule == "Contacts"
        conn.execute(update(vt.MODENTITY_NUM).where(numbering).values(cur_id="0009"))
    ids = [crm.create(ann(email=f"a{n}@example.org"), reason="t").id for n in range(2)]
    numbers = [row(engine, vt.CONTACTDETAILS, contactid=int(i))["contact_no"] for i in ids]
    assert numbers == ["CON0009", "CON0010"]


def test_an_update_sets_its_columns_modifiedtime_modifiedby_and_the_label(
    crm: VtigerCrm, engine: Engine
) -> None:
    a1 = crm.create(ann(), reason="t").id
    with engine.begin() as conn:  # a contact Vtiger saved without these side rows
        conn.execute(text("DELETE FROM vtiger_contactsubdetails WHERE contactsubscriptionid = 2"))
        conn.execute(text("UPDATE vtiger_crmentity SET modifiedby = 1 WHERE crmid = 2"))
    crm.update_fields(a1, {"last_name": "Ray", "phone1": "555-9", "state": "IL"}, reason="t")
    entity = row(engine, vt.CRMENTITY, crmid=2)
    assert (entity["label"], entity["modifiedby"]) == ("Ann Ray", USER)
    assert entity["modifiedtime"] == (T0 + timedelta(seconds=1)).replace(tzinfo=None)
    assert row(engine, vt.CONTACTSUBDETAILS, contactsubscriptionid=2)["homephone"] == "555-9"
    assert row(engine, vt.CONTACTADDRESS, contactaddressid=2)["mailingstate"] == "IL"
    crm.set_email_opt_out(a1, True, reason="t")
    assert row(engine, vt.CONTACTDETAILS, contactid=2)["emailoptout"] == "1"


def test_a_company_name_links_an_organisation_made_when_missing(
    crm: VtigerCrm, engine: Engine, store: Store, cid: int
) -> None:
    a1 = crm.create(ann(company_name="Acme"), reason="imported")
    assert (a1.id, a1.company_name) == ("3", "Acme")  # the organisation drew crmid 2
    assert row(engine, vt.CRMENTITY, crmid=2)["setype"] == "Accounts"
    organisation = row(engine, vt.ACCOUNT, accountid=2)
    assert (organisation["account_no"], organisation["accountname"]) == ("ACC1", "Acme")
    assert count(engine, vt.ACCOUNTBILLADS, accountaddressid=2) == 1
    assert count(engine, vt.ACCOUNTSHIPADS, accountaddressid=2) == 1
    assert count(engine, vt.ACCOUNTSCF, accountid=2) == 1
    entries = history(store, cid, Side.CRM, "organization:Acme")
    assert [(e.change.old, e.change.new, e.change.reason) for e in entries] == [
        (None, "Acme", "imported")
    ]
    b2 = crm.create(ann(email="b@example.org", company_name=" ACME "), reason="t")
    assert (b2.company_name, count(engine, vt.ACCOUNT)) == ("Acme", 1)
    assert crm.update_fields(a1.id, {"company_name": ""}, reason="t").company_name == ""
    assert row(engine, vt.CONTACTDETAILS, contactid=3)["accountid"] is None


def test_campaigns_are_lists_with_their_rows(crm: VtigerCrm, engine: Engine) -> None:
    a1 = crm.create(ann(), reason="t").id
    crm.create_list("Newsletter", reason="t")
    assert row(engine, vt.CRMENTITY, crmid=3)["setype"] == "Campaigns"
    campaign = row(engine, vt.CAMPAIGN, campaignid=3)
    assert (campaign["campaign_no"], campaign["campaignname"]) == ("CAM1", "Newsletter")
    assert count(engine, vt.CAMPAIGNSCF, campaignid=3) == 1
    crm.add_to_list("Newsletter", [a1], reason="t")
    relation = row(engine, vt.CAMPAIGNCONTREL, campaignid=3)
    assert (relation["contactid"], relation["campaignrelstatusid"]) == (2, 1)
    crm.rename_list("Newsletter", "News", reason="t")
    assert row(engine, vt.CRMENTITY, crmid=3)["label"] == "News"
    assert crm.list_keys() == {"3": "News"}  # the campaign's crmid, kept by a rename
    crm.delete_list("News", reason="t")
    assert row(engine, vt.CRMENTITY, crmid=3)["deleted"] == 1
    assert crm.list_keys() == {}
    assert count(engine, vt.CAMPAIGNCONTREL) == 0


def test_two_campaigns_of_one_name_are_refused_by_name(crm: VtigerCrm, engine: Engine) -> None:
    crm.create_list("Board", reason="t")
    crm.create_list("Other", reason="t")
    with engine.begin() as conn:  # renamed in Vtiger, which allows it
        conn.execute(text("UPDATE vtiger_campaign SET campaignname = 'Board'"))
    assert crm.lists() == ["Board"]
    with pytest.raises(UserError, match=r"2 Vtiger campaigns are named 'Board' \(crmids 2, 3\)"):
        list(crm.list_members("Board"))


def test_deleted_contacts_are_never_read(crm: VtigerCrm, engine: Engine) -> None:
    a1 = crm.create(ann(email_opt_out=True), reason="t").id
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [a1], reason="t")
    with engine.begin() as conn:  # deleted in Vtiger: to its recycle bin
        conn.execute(update(vt.CRMENTITY).where(vt.CRMENTITY.c.crmid == 2).values(deleted=1))
    assert crm.get(a1) is None
    assert crm.find_by_email("ann@example.org") == []
    assert crm.with_primary_emails(["ann@example.org"]) == []
    assert list(crm.changed_since(None)) == []
    assert crm.opted_out_ids() == frozenset()
    assert list(crm.list_members("Board")) == []
    assert [(k.id, k.emails) for k in crm.match_keys()] == [(a1, ())]
    assert list(crm.get_many([a1], include_deleted=True)) == [a1]  # writers still reach it


def test_what_vtiger_cannot_hold_is_refused_or_cut_to_its_column(crm: VtigerCrm) -> None:
    refused = {
        "organisations are not synced": ann(type=AccountType.ORGANIZATION),
        "custom.Gift: Vtiger custom fields are not synced yet": ann(custom={"Gift": "x"}),
        "do_not_contact: Vtiger has no do-not-contact flag": ann(do_not_contact=True),
        "email: 101 characters is longer than the 100": ann(email="a" * 89 + "@example.org"),
    }
    for message, account in refused.items():
        with pytest.raises(UserError, match=re.escape(message)):
            crm.create(account, reason="t")
    a1 = crm.create(ann(first_name="x" * 45), reason="t")
    assert a1.first_name == "x" * 40  # vtiger_contactdetails.firstname is varchar(40)
    with pytest.raises(UserError, match="cannot be updated: Vtiger contacts have no middle"):
        crm.update_fields(a1.id, {"middle_name": "Q"}, reason="t")
    with pytest.raises(UserError, match=r"custom\.Gift: Vtiger custom fields are not synced"):
        crm.update_fields(a1.id, {"custom.Gift": "x"}, reason="t")
    assert crm.update_fields(a1.id, {"deceased": False}, reason="t") == a1
    assert crm.custom_fields() == []


def test_checkboxes_vtiger_once_wrote_as_on_read_as_set(crm: VtigerCrm, engine: Engine) -> None:
    a1 = crm.create(ann(), reason="t").id
    with engine.begin() as conn:
        conn.execute(text("UPDATE vtiger_contactdetails SET emailoptout = 'on'"))
    assert crm.opted_out_ids() == frozenset({a1})
    assert crm.get(a1).email_opt_out is True  # type: ignore[union-attr]


def test_a_batch_of_one_moment_pages_by_crmid(crm: VtigerCrm) -> None:
    """1,003 contacts modified in one second: the keyset's second key carries the pages."""
    at = T0 + timedelta(days=1)
    creates = tuple(
        Account(f"N{n}", last_name=f"N{n:04d}", created_at=at, updated_at=at) for n in range(1003)
    )
    changes = tuple(Change(Side.CRM, a.id, "*", None, "created", "t", at) for a in creates)

    def then(session: Session, ids: Any) -> dict[str, str]:
        return dict(ids)

    ids = crm.write_batch(AccountBatch(None, at, creates, (), changes), then)
    accounts = list(crm.changed_since(at))
    assert [a.id for a in accounts] == sorted(ids.values(), key=int)
    assert [a.last_name for a in accounts] == [f"N{n:04d}" for n in range(1003)]
    assert replace(accounts[0], id="N0") == creates[0]


def test_a_batch_journals_the_organisations_it_made(
    crm: VtigerCrm, engine: Engine, store: Store, cid: int
) -> None:
    a1 = crm.create(ann(), reason="t")
    at = T0 + timedelta(days=1)
    moved = (replace(a1, company_name="Beta", updated_at=at), ("company_name",))
    batch = AccountBatch(None, at, (ann(id="N1", company_name="Acme"),), (moved,))
    ids = crm.write_batch(batch, lambda session, ids: dict(ids))
    assert crm.get(ids["N1"]).company_name == "Acme"  # type: ignore[union-attr]
    assert crm.get(a1.id).company_name == "Beta"  # type: ignore[union-attr]
    for name in ("Acme", "Beta"):
        entries = history(store, cid, Side.CRM, f"organization:{name}")
        assert [(e.change.new, e.change.at) for e in entries] == [(name, at)]
    assert count(engine, vt.ACCOUNT) == 2


def _schema(engine: Engine) -> dict[str, Any]:
    """Tables, their columns (type, NULL, default), keys and indexes, as MariaDB has them."""
    inspector = inspect(engine)
    return {table: _table(inspector, table) for table in inspector.get_table_names()}


def _table(inspector: Any, table: str) -> tuple[object, ...]:
    columns = [
        (c["name"], str(c["type"]), c["nullable"], c["default"])
        for c in inspector.get_columns(table)
    ]
    indexes = sorted(map(str, inspector.get_indexes(table)))
    keys = sorted(map(str, inspector.get_foreign_keys(table)))
    return columns, inspector.get_pk_constraint(table), indexes, keys


def test_writes_never_alter_vtigers_schema(crm: VtigerCrm, engine: Engine) -> None:
    before = _schema(engine)
    a1 = crm.create(ann(company_name="Acme"), reason="t").id
    crm.update_fields(a1, {"first_name": "Anna", "company_name": "Beta"}, reason="t")
    crm.set_email_opt_out(a1, True, reason="t")
    crm.create_list("Board", reason="t")
    crm.add_to_list("Board", [a1], reason="t")
    crm.rename_list("Board", "Trustees", reason="t")
    crm.remove_from_list("Trustees", [a1], reason="t")
    crm.delete_list("Trustees", reason="t")
    assert _schema(engine) == before
    assert len(before) == len(vt.METADATA.tables)
