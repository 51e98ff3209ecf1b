"""The builtin CRM's lists as stored: Session-level reads and bulk writes.

The adapter (crm/builtin/lists.py) checks names, journals, and inserts memberships
(through crm/builtin/bulk.py); these helpers do the rest of the SQL, over chunks
of ids and never an ORM object per row, so a list of 50,000 accounts takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Select,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from listbridge.store.models import CrmAccount, CrmList, CrmListMember

LISTS: Table = CrmList.__table__  # type: ignore[assignment]
MEMBERS: Table = CrmListMember.__table__  # type: ignore[assignment]
ACCOUNTS: Table = CrmAccount.__table__  # type: ignore[assignment]
# Ids per IN (…): well within every backend's limit of bound parameters.
CHUNK = 900


def chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def list_names(session: Session, connection_id: int) -> list[str]:
    """Names sorted as a person reads them: ignoring case, then exactly (for ties)."""
    names = session.scalars(select(LISTS.c.name).where(LISTS.c.connection_id == connection_id))
    return sorted(names, key=lambda name: (name.casefold(), name))


def lists_by_id(session: Session, connection_id: int) -> list[tuple[int, str]]:
    query = select(LISTS.c.id, LISTS.c.name).where(LISTS.c.connection_id == connection_id)
    return [(int(i), str(name)) for i, name in session.execute(query)]


def list_id(session: Session, connection_id: int, name: str) -> int | None:
    query = select(LISTS.c.id).where(LISTS.c.connection_id == connection_id, LISTS.c.name == name)
    return session.scalar(query)


def insert_list(session: Session, connection_id: int, name: str, at: datetime) -> int:
    row = {"connection_id": connection_id, "name": name, "created_at": at, "updated_at": at}
    return int(session.execute(insert(LISTS).values(row).returning(LISTS.c.id)).scalar_one())


def rename_list(session: Session, list_id: int, name: str, at: datetime) -> None:
    session.execute(update(LISTS).where(LISTS.c.id == list_id).values(name=name, updated_at=at))


def touch_list(session: Session, list_id: int, at: datetime) -> None:
    session.execute(update(LISTS).where(LISTS.c.id == list_id).values(updated_at=at))


def delete_list(session: Session, list_id: int) -> None:
    """The list and its memberships (by the foreign key's cascade); accounts stay."""
    session.execute(delete(LISTS).where(LISTS.c.id == list_id))


def member_ids(session: Session, list_id: int) -> list[str]:
    query = select(MEMBERS.c.account_id).where(MEMBERS.c.list_id == list_id)
    return list(session.scalars(query.order_by(MEMBERS.c.account_id)))


def members_among(session: Session, list_id: int, ids: Sequence[str]) -> set[str]:
    """Those of `ids` already on the list."""
    on_list = MEMBERS.c.list_id == list_id
    return _among(session, select(MEMBERS.c.account_id).where(on_list), MEMBERS.c.account_id, ids)


def unknown_accounts(session: Session, connection_id: int, ids: Sequence[str]) -> list[str]:
    """Those of `ids` that are no account of the connection, in the order given."""
    ours = select(ACCOUNTS.c.id).where(ACCOUNTS.c.connection_id == connection_id)
    known = _among(session, ours, ACCOUNTS.c.id, ids)
    return [i for i in ids if i not in known]


def _among(session: Session, query: Select[Any], column: Any, ids: Sequence[str]) -> set[str]:
    """Those of `ids` that `query` (of `column`) yields.

    Many ids are matched in Python against everything `query` yields, in one
    statement: PostgreSQL, its statistics stale after a large load, plans each
    IN (…) of bound parameters as a scan that compares every row with every id
    (measured: minutes for 50,000 ids), where reading the whole set takes
    milliseconds.
    """
    if len(ids) > CHUNK:
        return set(session.scalars(query)) & set(ids)
    return set(session.scalars(query.where(column.in_(ids))))


def delete_members(session: Session, list_id: int, ids: Sequence[str]) -> None:
    on_list = MEMBERS.c.list_id == list_id
    if session.get_bind().dialect.name == "postgresql":
        # One statement with one array parameter: 56 DELETEs of 900 bound ids each
        # cost PostgreSQL (and SQLAlchemy compiling them) several times as long.
        given = bindparam("ids", list(ids), type_=ARRAY(String))
        session.execute(delete(MEMBERS).where(on_list, MEMBERS.c.account_id == any_(given)))
        return
    for chunk in chunks(ids):
        session.execute(delete(MEMBERS).where(on_list, MEMBERS.c.account_id.in_(chunk)))


def lists_of_account(session: Session, connection_id: int, account_id: str) -> list[str]:
    query = (
        select(LISTS.c.name)
        .join(MEMBERS, MEMBERS.c.list_id == LISTS.c.id)
        .where(MEMBERS.c.connection_id == connection_id, MEMBERS.c.account_id == account_id)
    )
    return sorted(session.scalars(query), key=lambda name: (name.casefold(), name))


def member_counts(session: Session, connection_id: int) -> dict[int, int]:
    """Members per CRM list id (lists with none are absent)."""
    query = (
        select(MEMBERS.c.list_id, func.count())
        .where(MEMBERS.c.connection_id == connection_id)
        .group_by(MEMBERS.c.list_id)
    )
    return {int(list_id): int(n) for list_id, n in session.execute(query)}
