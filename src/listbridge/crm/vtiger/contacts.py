"""Writing contacts: every row Vtiger's Contacts module saves for one, and no other.

A new contact is what Vtiger's own save leaves (Contacts.php, its `tab_name`): the
vtiger_crmentity row (writes.py), vtiger_contactdetails with the next contact_no,
vtiger_contactaddress, vtiger_contactsubdetails, vtiger_contactscf and the customer
portal's vtiger_customerdetails (portal off). A record missing one of them does not
open in Vtiger's detail view. An update writes the named columns only, adding a side
row a contact made elsewhere lacks, as CRMEntity::insertIntoEntityTable does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, update

from listbridge.core.accounts import Account
from listbridge.crm.vtiger.fields import (
    CHECKED,
    FIELDS,
    UNCHECKED,
    contact_label,
    fitted,
)
from listbridge.crm.vtiger.numbering import next_crmids, next_numbers
from listbridge.crm.vtiger.organisations import Organisations, organisations
from listbridge.crm.vtiger.tables import (
    CONTACTADDRESS,
    CONTACTDETAILS,
    CONTACTSCF,
    CONTACTSUBDETAILS,
    CUSTOMERDETAILS,
)
from listbridge.crm.vtiger.writes import Writer

NAMES = frozenset({"first_name", "last_name"})


def insert_contacts(writer: Writer, accounts: Sequence[Account]) -> tuple[list[int], Organisations]:
    """New contacts for `accounts`: their crmids, in order, and the organisations
    linked (some perhaps created for them)."""
    conn = writer.conn
    orgs = organisations(writer, [a.company_name for a in accounts])
    ids = next_crmids(conn, len(accounts))
    if not ids:
        return ids, orgs
    numbers = next_numbers(conn, "Contacts", len(accounts))
    pairs = list(zip(ids, accounts, strict=True))
    writer.insert_entities(
        "Contacts", [(i, contact_label(a.first_name, a.last_name)) for i, a in pairs]
    )
    details = [
        _values(CONTACTDETAILS, a) | {"contactid": i, "contact_no": no, **_links(a, orgs)}
        for (i, a), no in zip(pairs, numbers, strict=True)
    ]
    conn.execute(insert(CONTACTDETAILS), details)
    conn.execute(
        insert(CONTACTADDRESS),
        [_values(CONTACTADDRESS, a) | {"contactaddressid": i} for i, a in pairs],
    )
    conn.execute(
        insert(CONTACTSUBDETAILS),
        [_values(CONTACTSUBDETAILS, a) | {"contactsubscriptionid": i} for i, a in pairs],
    )
    conn.execute(insert(CONTACTSCF), [{"contactid": i} for i in ids])
    conn.execute(insert(CUSTOMERDETAILS), [{"customerid": i, "portal": UNCHECKED} for i in ids])
    return ids, orgs


def update_contact(
    writer: Writer, crmid: int, account: Account, columns: Sequence[str]
) -> Organisations:
    """Write `columns` of `account` (checked by the caller) into contact `crmid`."""
    wanted = [account.company_name] if "company_name" in columns else []
    orgs = organisations(writer, wanted)
    rows: dict[Table, dict[str, Any]] = defaultdict(dict)
    for column in columns:
        if column in FIELDS:
            field = FIELDS[column]
            rows[field.table][field.name] = fitted(account.id, column, getattr(account, column))
    links = _links(account, orgs)
    rows[CONTACTDETAILS] |= {k: v for k, v in links.items() if _COLUMN_OF[k] in columns}
    for table, values in rows.items():
        if values:
            _update_row(writer.conn, table, crmid, values)
    label = {"label": contact_label(account.first_name, account.last_name)}
    writer.touch([crmid], **(label if NAMES & set(columns) else {}))
    return orgs


_COLUMN_OF = {"accountid": "company_name", "emailoptout": "email_opt_out"}


def _links(account: Account, orgs: Organisations) -> dict[str, Any]:
    """The contactdetails columns that are not text: its organisation and its opt-out."""
    return {
        "accountid": orgs.id_of(account.company_name),
        "emailoptout": CHECKED if account.email_opt_out else UNCHECKED,
    }


def _values(table: Table, account: Account) -> dict[str, str]:
    return {
        field.name: fitted(account.id, column, getattr(account, column))
        for column, field in FIELDS.items()
        if field.table is table
    }


def _update_row(conn: Connection, table: Table, crmid: int, values: dict[str, Any]) -> None:
    key = next(iter(table.primary_key.columns))
    if conn.execute(update(table).where(key == crmid).values(values)).rowcount == 0:
        conn.execute(insert(table).values({key.name: crmid, **values}))
