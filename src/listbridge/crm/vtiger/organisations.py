"""A contact's company is the Vtiger organisation it is linked to (accountid).

Writing a company name links the contact to the live organisation of that name
(ignoring case and spaces; the oldest when Vtiger holds several), and creates the
organisation when there is none, as Vtiger's own import does for a contact's
Organization Name: a vtiger_crmentity row (setype Accounts) with its vtiger_account,
vtiger_accountbillads, vtiger_accountshipads and vtiger_accountscf rows. An empty
name unlinks the contact; the organisation stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from listbridge.crm.vtiger.numbering import next_crmids, next_numbers
from listbridge.crm.vtiger.tables import (
    ACCOUNT,
    ACCOUNTBILLADS,
    ACCOUNTSCF,
    ACCOUNTSHIPADS,
    CRMENTITY,
)
from listbridge.crm.vtiger.writes import Writer

NAME_WIDTH = 100  # vtiger_account.accountname


def key(name: str) -> str:
    return name.strip().lower()


@dataclass(frozen=True)
class Organisations:
    """The organisations some contacts are linked to: their ids by `key(name)`."""

    ids: dict[str, int]
    #: the names of those created for these contacts
    created: list[str]

    def id_of(self, name: str) -> int | None:
        return self.ids.get(key(name)) if name.strip() else None


def organisations(writer: Writer, names: Iterable[str]) -> Organisations:
    """The organisations named `names` (empty names left out), created when missing."""
    wanted = {key(n): n.strip()[:NAME_WIDTH] for n in names if n.strip()}
    ids = _existing(writer.conn, list(wanted))
    missing = [name for k, name in wanted.items() if k not in ids]
    created = _create(writer, missing)
    return Organisations(ids | {key(n): i for n, i in created.items()}, list(created))


def _existing(conn: Connection, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    name_key = func.lower(func.trim(ACCOUNT.c.accountname))
    query = (
        select(name_key.label("key"), func.min(ACCOUNT.c.accountid).label("id"))
        .join(CRMENTITY, CRMENTITY.c.crmid == ACCOUNT.c.accountid)
        .where(CRMENTITY.c.deleted == 0, name_key.in_(keys))
        .group_by(name_key)
    )
    return {row.key: row.id for row in conn.execute(query)}


def _create(writer: Writer, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    conn = writer.conn
    ids = next_crmids(conn, len(names))
    numbers = next_numbers(conn, "Accounts", len(names))
    writer.insert_entities("Accounts", list(zip(ids, names, strict=True)))
    rows = [
        {"accountid": i, "account_no": no, "accountname": name}
        for i, no, name in zip(ids, numbers, names, strict=True)
    ]
    conn.execute(insert(ACCOUNT), rows)
    conn.execute(insert(ACCOUNTBILLADS), [{"accountaddressid": i} for i in ids])
    conn.execute(insert(ACCOUNTSHIPADS), [{"accountaddressid": i} for i in ids])
    conn.execute(insert(ACCOUNTSCF), [{"accountid": i} for i in ids])
    return dict(zip(names, ids, strict=True))
