"""Links between CRM accounts and Constant Contact contacts, and what matching reads.

A link is one-to-one within a connection (primary key on the account, unique on
the contact). For the builtin CRM, `crm_accounts.cc_contact_id` is written in the
same transaction as the link, so `crm export` shows the link without a join and
the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, bindparam, case, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from listbridge.core.cc_records import CcContact
from listbridge.core.matching import AccountKeys, MatchIndex
from listbridge.store.db import Store
from listbridge.store.models import CcLink, CrmAccount

PAGE = 5000


@dataclass(frozen=True)
class LinkRow:
    account_id: str
    contact: CcContact


def load_match_index(
    store: Store, connection_id: int, accounts: Iterable[AccountKeys]
) -> MatchIndex:
    """The hash-join side of matching: the CRM's accounts (`CrmAdapter.match_keys`) and
    every link, read once. The links are read first, in a session of their own: the
    accounts may come from the same database (the builtin CRM), and a SQLite store
    takes its write lock when a session begins."""
    with store.session() as session:
        links = list(_links(session, connection_id))
    return MatchIndex.build(accounts, links)


def _links(session: Session, connection_id: int) -> Iterator[tuple[str, str]]:
    query = select(CcLink.account_id, CcLink.cc_contact_id).where(
        CcLink.connection_id == connection_id
    )
    for account_id, contact_id in session.execute(query):
        yield str(account_id), str(contact_id)


def save_links(session: Session, connection_id: int, rows: Sequence[LinkRow], at: datetime) -> None:
    """Create or refresh links with what was just seen of each contact (in the caller's
    transaction), and mirror each link into the builtin CRM's cc_contact_id column."""
    if not rows:
        return
    values = [_link_values(connection_id, row, at) for row in rows]
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    statement = insert(CcLink)
    refreshed = ("cc_contact_id", "list_ids", "permission_to_send", "opt_out_source")
    changes = {c: statement.excluded[c] for c in (*refreshed, "cc_updated_at", "updated_at")}
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["connection_id", "account_id"], set_=changes
        ),
        values,
    )
    _mirror_into_accounts(session, connection_id, rows)


def _link_values(connection_id: int, row: LinkRow, at: datetime) -> dict[str, Any]:
    c = row.contact
    return {
        "connection_id": connection_id,
        "account_id": row.account_id,
        "cc_contact_id": c.contact_id,
        "list_ids": sorted(c.list_ids),
        "permission_to_send": c.permission.value,
        "opt_out_source": c.opt_out_source,
        "cc_updated_at": c.updated_at,
        "fingerprint": "",
        # the address the contact had when linked: a push compares the account's with it
        "email": c.email,
        "linked_at": at,
        "updated_at": at,
    }


def _mirror_into_accounts(session: Session, connection_id: int, rows: Sequence[LinkRow]) -> None:
    a: Table = CrmAccount.__table__  # type: ignore[assignment]
    statement = (
        update(a)
        .where(a.c.connection_id == connection_id, a.c.id == bindparam("b_id"))
        .where(a.c.cc_contact_id != bindparam("b_contact"))
        .values(cc_contact_id=bindparam("b_contact"))
    )
    params = [{"b_id": r.account_id, "b_contact": r.contact.contact_id} for r in rows]
    session.execute(statement, params, execution_options={"synchronize_session": False})


def link_of_account(session: Session, connection_id: int, account_id: str) -> CcLink | None:
    return session.get(CcLink, (connection_id, account_id))


def on_cc_list(cc_list_id: str) -> ColumnElement[bool]:
    """The link's contact is subscribed to `cc_list_id`, as a condition on the links."""
    # list_ids is a JSON array of ids; its text holds each id in double quotes (the
    # same on SQLite and PostgreSQL), so one LIKE finds it without a JSON function.
    escaped = cc_list_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(CcLink.list_ids, String).like(f'%"{escaped}"%', escape="\\")


def linked_list_counts(
    session: Session, connection_id: int, cc_list_ids: Sequence[str]
) -> dict[str, int]:
    """Linked accounts subscribed to each of these CC lists, per the links' subscription
    data: one pass over the links in SQL, not their JSON parsed in Python."""
    if not cc_list_ids:
        return {}
    sums = [func.count(case((on_cc_list(i), 1))) for i in cc_list_ids]
    found = session.execute(select(*sums).where(CcLink.connection_id == connection_id)).one()
    return {list_id: int(n or 0) for list_id, n in zip(cc_list_ids, found, strict=True)}
