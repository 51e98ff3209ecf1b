"""Reading CiviCRM contacts as Accounts: a contact row and its emails, phones and address.

A page of contacts costs four queries whatever its size (contacts, then the emails,
phones and addresses of all of them), so a full read streams in keyset pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, false, select

from listbridge.core.accounts import Account
from listbridge.crm.civicrm.mapping import account_from
from listbridge.crm.civicrm.phones import phone_rows, shown
from listbridge.crm.civicrm.tables import ADDRESS, CONTACT, COUNTRY, EMAIL, STATE

#: At most this many ids in one IN (…): well under every database's limit.
IN_CHUNK = 900
SHOWN = 3  # emails an Account holds


def contacts(include_deleted: bool = False) -> Select[Any]:
    """The contacts listbridge syncs: the trash (is_deleted) only when asked for."""
    query = select(CONTACT)
    return query if include_deleted else query.where(CONTACT.c.is_deleted == false())


def numeric_ids(ids: Iterable[str]) -> list[int]:
    """The ids that can be CiviCRM contact ids ("12", not "012"); others name no contact."""
    return sorted({int(i) for i in ids if is_contact_id(i)})


def is_contact_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) < 10 and str(int(text)) == text


def accounts_by_id(
    conn: Connection, ids: Iterable[str], *, include_deleted: bool = False
) -> dict[str, Account]:
    wanted = numeric_ids(ids)
    rows: list[RowMapping] = []
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        query = contacts(include_deleted).where(CONTACT.c.id.in_(chunk))
        rows += conn.execute(query).mappings()
    return {a.id: a for a in accounts(conn, rows)}


def emails_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    """The first emails of each contact, primary first, as an Account shows them."""
    emails: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), IN_CHUNK):
        for cid, email in conn.execute(_emails(list(ids[start : start + IN_CHUNK]))):
            if email and len(emails[cid]) < SHOWN:
                emails[cid].append(email)
    return emails


def accounts(conn: Connection, rows: Sequence[RowMapping]) -> list[Account]:
    """The Accounts of these contact rows, in their order."""
    ids = [int(r["id"]) for r in rows]
    emails = emails_of(conn, ids)
    phones: dict[int, list[Any]] = defaultdict(list)
    places: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        for phone in conn.execute(phone_rows(chunk)):
            phones[phone.contact_id].append(phone)
        for row in conn.execute(_addresses(chunk)).mappings():
            places.setdefault(row["contact_id"], _address(row))
    return [
        account_from(
            row,
            emails.get(row["id"], []),
            {slot: p.phone for slot, p in shown(phones[row["id"]]).items()},
            places.get(row["id"], {}),
        )
        for row in rows
    ]


def ordered_rows(table: Any, contact_id: int) -> Select[Any]:
    """A contact's rows of `table` in the order an Account shows them: primary first."""
    return (
        select(table)
        .where(table.c.contact_id == contact_id)
        .order_by(table.c.is_primary.desc(), table.c.id)
    )


def _emails(ids: list[int]) -> Select[Any]:
    return (
        select(EMAIL.c.contact_id, EMAIL.c.email)
        .where(EMAIL.c.contact_id.in_(ids))
        .order_by(EMAIL.c.contact_id, EMAIL.c.is_primary.desc(), EMAIL.c.id)
    )


def _addresses(ids: list[int]) -> Select[Any]:
    return (
        select(
            ADDRESS.c.contact_id,
            ADDRESS.c.street_address,
            ADDRESS.c.city,
            ADDRESS.c.postal_code,
            STATE.c.abbreviation,
            STATE.c.name.label("state_name"),
            COUNTRY.c.iso_code,
            COUNTRY.c.name.label("country_name"),
        )
        .outerjoin(STATE, STATE.c.id == ADDRESS.c.state_province_id)
        .outerjoin(COUNTRY, COUNTRY.c.id == ADDRESS.c.country_id)
        .where(ADDRESS.c.contact_id.in_(ids))
        .order_by(ADDRESS.c.contact_id, ADDRESS.c.is_primary.desc(), ADDRESS.c.id)
    )


def _address(row: RowMapping) -> dict[str, str]:
    return {
        "address_line1": row["street_address"] or "",
        "city": row["city"] or "",
        "zip": row["postal_code"] or "",
        "state": row["abbreviation"] or row["state_name"] or "",
        "country": row["iso_code"] or row["country_name"] or "",
    }
