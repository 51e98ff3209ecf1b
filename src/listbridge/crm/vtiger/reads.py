"""Reading contacts: one query joins a contact's rows, its organisation's name and its
record state, and labels each column with the Account field it fills (fields.py).

Only Contacts are read (organisations are not synced), and only live ones
(vtiger_crmentity.deleted = 0) unless a writer asks for the deleted too. Matching an
address trims and lowers both sides, so that it ignores case and spaces whatever the
table's collation; Vtiger indexes no lowered column, so such a read scans the contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, Select, and_, case, func, or_, select

from listbridge.core.accounts import Account
from listbridge.core.matching import AccountKeys
from listbridge.crm.vtiger.fields import (
    CHECKED_TEXTS,
    FIELDS,
    account_from_row,
    from_db,
    to_db,
)
from listbridge.crm.vtiger.tables import (
    ACCOUNT,
    CONTACTADDRESS,
    CONTACTDETAILS,
    CONTACTSUBDETAILS,
    CRMENTITY,
)

# A statement holds at most this many ids or addresses in one IN (…).
IN_CHUNK = 900
#: the largest crmid: vtiger's ids are int(19) columns of 32 bits
MAX_CRMID = 2**31 - 1
ENTITY = CRMENTITY.c
ORGANISATION = ACCOUNT.alias("organisation")
ORGANISATION_ENTITY = CRMENTITY.alias("organisation_entity")


def crmid_of(account_id: str) -> int | None:
    """The crmid an account id names, None when it can name no Vtiger record."""
    if not (account_id.isascii() and account_id.isdecimal()):
        return None
    number = int(account_id)
    return number if 0 < number <= MAX_CRMID else None


def crmids(account_ids: Iterable[str]) -> list[int]:
    """The crmids among these ids, sorted (the others name no contact)."""
    return sorted({n for i in account_ids if (n := crmid_of(i)) is not None})


def _contact_rows() -> FromClause:
    """A contact's rows: its record, side rows and organisation (each at most one)."""
    live_organisation = and_(
        ORGANISATION_ENTITY.c.crmid == ORGANISATION.c.accountid,
        ORGANISATION_ENTITY.c.deleted == 0,
    )
    return (
        CONTACTDETAILS.join(CRMENTITY, ENTITY.crmid == CONTACTDETAILS.c.contactid)
        .outerjoin(CONTACTADDRESS, CONTACTADDRESS.c.contactaddressid == ENTITY.crmid)
        .outerjoin(CONTACTSUBDETAILS, CONTACTSUBDETAILS.c.contactsubscriptionid == ENTITY.crmid)
        .outerjoin(ORGANISATION, ORGANISATION.c.accountid == CONTACTDETAILS.c.accountid)
        .outerjoin(ORGANISATION_ENTITY, live_organisation)
    )


CONTACT_ROWS = _contact_rows()
#: the company name: the linked organisation's, when it is live
COMPANY = case((ORGANISATION_ENTITY.c.crmid.is_not(None), ORGANISATION.c.accountname), else_="")


def is_live_contact(*, include_deleted: bool = False) -> ColumnElement[bool]:
    """A row of CONTACT_ROWS that is a contact (and not deleted, unless asked for)."""
    contact = ENTITY.setype == "Contacts"
    return contact if include_deleted else and_(contact, ENTITY.deleted == 0)


def contact_query(*, include_deleted: bool = False) -> Select[Any]:
    """Every contact, as Account columns (`fields.account_from_row` reads a row)."""
    query = select(
        ENTITY.crmid.label("id"),
        ENTITY.createdtime.label("created_at"),
        ENTITY.modifiedtime.label("updated_at"),
        CONTACTDETAILS.c.emailoptout.label("email_opt_out"),
        COMPANY.label("company_name"),
        *(field.column.label(name) for name, field in FIELDS.items()),
    ).select_from(CONTACT_ROWS)
    return query.where(is_live_contact(include_deleted=include_deleted))


def accounts(conn: Connection, query: Select[Any]) -> list[Account]:
    return [account_from_row(row) for row in conn.execute(query).mappings()]


def read_many(
    conn: Connection, ids: Sequence[int], *, include_deleted: bool = False
) -> dict[str, Account]:
    found: dict[str, Account] = {}
    for start in range(0, len(ids), IN_CHUNK):
        query = contact_query(include_deleted=include_deleted)
        chunk = query.where(ENTITY.crmid.in_(ids[start : start + IN_CHUNK]))
        found.update((a.id, a) for a in accounts(conn, chunk))
    return found


def read_page(
    conn: Connection, since: datetime | None, after: tuple[datetime, int] | None, size: int
) -> list[Account]:
    """The next `size` contacts modified at or after `since`, in (modifiedtime, crmid)
    order, after the keyset `after` (the last contact of the page before)."""
    query = contact_query()
    if since is not None:
        query = query.where(ENTITY.modifiedtime >= to_db(since))
    if after is not None:
        moment, crmid = to_db(after[0]), after[1]
        query = query.where(
            or_(
                ENTITY.modifiedtime > moment,
                and_(ENTITY.modifiedtime == moment, ENTITY.crmid > crmid),
            )
        )
    return accounts(conn, query.order_by(ENTITY.modifiedtime, ENTITY.crmid).limit(size))


def _key(column: Any) -> Any:
    return func.lower(func.trim(column))


def with_email(conn: Connection, email: str) -> list[Account]:
    """Contacts with this address (already trimmed and lowered) in any of their three."""
    columns = [FIELDS[c].column for c in ("email", "email2", "email3")]
    query = contact_query().where(or_(*(_key(c) == email for c in columns)))
    return accounts(conn, query.order_by(ENTITY.crmid))


def with_primary_email(conn: Connection, emails: Sequence[str]) -> list[Account]:
    """Contacts whose first address is one of `emails` (trimmed and lowered)."""
    found: list[Account] = []
    column = _key(FIELDS["email"].column)
    for start in range(0, len(emails), IN_CHUNK):
        query = contact_query().where(column.in_(emails[start : start + IN_CHUNK]))
        found += accounts(conn, query.order_by(ENTITY.crmid))
    return found


def keys_page(conn: Connection, after: int, size: int) -> list[AccountKeys]:
    """Matching's view of the next `size` contacts above crmid `after`, deleted ones too
    (with no e-mails: the id stays taken, the contact matches nothing)."""
    d = CONTACTDETAILS.c
    query = (
        select(ENTITY.crmid, ENTITY.deleted, ENTITY.createdtime, d.firstname, d.lastname)
        .add_columns(d.email, d.secondaryemail, d.otheremail)
        .join(CONTACTDETAILS, d.contactid == ENTITY.crmid)
        .where(ENTITY.setype == "Contacts", ENTITY.crmid > after)
        .order_by(ENTITY.crmid)
        .limit(size)
    )
    return [
        AccountKeys(
            str(row.crmid),
            True,
            row.firstname or "",
            row.lastname or "",
            () if row.deleted else tuple(e for e in row[5:] if e),
            from_db(row.createdtime),
        )
        for row in conn.execute(query)
    ]


def opted_out(conn: Connection) -> frozenset[str]:
    query = (
        select(ENTITY.crmid)
        .join(CONTACTDETAILS, CONTACTDETAILS.c.contactid == ENTITY.crmid)
        .where(ENTITY.setype == "Contacts", ENTITY.deleted == 0)
        .where(_key(CONTACTDETAILS.c.emailoptout).in_(CHECKED_TEXTS))
    )
    return frozenset(str(i) for i in conn.scalars(query))
