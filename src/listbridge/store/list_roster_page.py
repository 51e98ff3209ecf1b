"""One page of a linked list's members, read from the store in SQL (the web's /lists/NAME).

The builtin CRM keeps its lists in this database, and the links record which CC lists
each linked contact is on (`cc_links.list_ids`, kept current by every list job). A page
is read as `core.list_roster.roster` orders people: the paired CRM list's live accounts
by id first, then the linked accounts on the CC list that the CRM list lacks.

What it costs, for a list of n: the CRM list's page comes from its primary key index
(LIMIT/OFFSET over (list_id, account_id), no account row read but the page's); deleted
accounts are found through their own index, not by reading every account. The CC side
has no index: the counts read every link of the connection once (one scan, in SQL), and
so do the pages past the CRM members and a search by name or e-mail.

Contacts on the CC list that no account is linked to are not in the store: the CLI's
`lists members NAME` reads CC itself and shows them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Select,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from listbridge.store.link_lists import UNSUBSCRIBED
from listbridge.store.links import on_cc_list
from listbridge.store.models import CcLink, CrmAccount, CrmListMember, Run

LINKS: Table = CcLink.__table__  # type: ignore[assignment]
MEMBERS: Table = CrmListMember.__table__  # type: ignore[assignment]
ACCOUNTS: Table = CrmAccount.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class RosterQuery:
    connection_id: int
    cc_list_id: str
    crm_list_id: int | None  # the paired builtin CRM list (None: not paired)
    search: str = ""  # part of a name or an e-mail address, any case


@dataclass(frozen=True)
class StoredMember:
    """A person on either side, with the facts that decide their state (core/list_roster)."""

    account_id: str
    type: str
    first_name: str
    last_name: str
    company_name: str
    email: str
    on_crm: bool
    on_cc: bool
    cc_contact_id: str
    cc_email: str
    opted_out: bool  # e-mail opt-out or do-not-contact in the CRM
    unsubscribed: bool  # in CC, as the last job saw it


@dataclass(frozen=True)
class Sides:
    """How many are on each side, and on the CC side alone."""

    crm: int  # live accounts on the paired CRM list
    cc: int  # linked contacts on the CC list, not unsubscribed
    cc_only: int  # linked accounts on the CC list that the CRM list lacks


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _on_cc(cc_list_id: str) -> ColumnElement[bool]:
    return on_cc_list(cc_list_id)


def deleted_ids(session: Session, connection_id: int) -> list[str]:
    """The connection's deleted accounts (few, found by their index)."""
    query = select(ACCOUNTS.c.id).where(
        ACCOUNTS.c.connection_id == connection_id, ACCOUNTS.c.deleted_at.is_not(None)
    )
    return [str(i) for i in session.scalars(query)]


def _live_member(
    q: RosterQuery, account: ColumnElement[str], gone: Sequence[str]
) -> ColumnElement[bool]:
    if q.crm_list_id is None:
        return false()
    member = exists().where(MEMBERS.c.list_id == q.crm_list_id, MEMBERS.c.account_id == account)
    return and_(member, account.not_in(gone)) if gone else member


def _crm_ids(q: RosterQuery, gone: Sequence[str]) -> Select[tuple[str]]:
    query = select(MEMBERS.c.account_id).where(MEMBERS.c.list_id == q.crm_list_id)
    return query.where(MEMBERS.c.account_id.not_in(gone)) if gone else query


def _cc_only_ids(q: RosterQuery, gone: Sequence[str]) -> Select[tuple[str]]:
    return select(LINKS.c.account_id).where(
        LINKS.c.connection_id == q.connection_id,
        _on_cc(q.cc_list_id),
        ~_live_member(q, LINKS.c.account_id, gone),
    )


def side_counts(session: Session, q: RosterQuery, gone: Sequence[str]) -> Sides:
    crm: int | None = 0
    if q.crm_list_id is not None:
        crm = session.scalar(select(func.count()).select_from(_crm_ids(q, gone).subquery()))
    subscribed = case((LINKS.c.permission_to_send != UNSUBSCRIBED, 1), else_=0)
    cc_only = case((~_live_member(q, LINKS.c.account_id, gone), 1), else_=0)
    cc, only = session.execute(
        select(func.coalesce(func.sum(subscribed), 0), func.coalesce(func.sum(cc_only), 0))
        .where(LINKS.c.connection_id == q.connection_id, _on_cc(q.cc_list_id))
    ).one()  # fmt: skip
    return Sides(int(crm or 0), int(cc), int(only))


def _ids_page(
    session: Session, q: RosterQuery, gone: Sequence[str], sides: Sides, offset: int, limit: int
) -> list[str]:
    """The ids of one page: CRM members by id, then CC-only ones by id (no search)."""
    ids: list[str] = []
    if q.crm_list_id is not None and offset < sides.crm:
        query = _crm_ids(q, gone).order_by(MEMBERS.c.account_id).offset(offset).limit(limit)
        ids = [str(i) for i in session.scalars(query)]
    left = limit - len(ids)
    if left > 0 and sides.cc_only:
        start = max(0, offset - sides.crm)
        query = _cc_only_ids(q, gone).order_by(LINKS.c.account_id).offset(start).limit(left)
        ids += [str(i) for i in session.scalars(query)]
    return ids


def _contains(session: Session, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """`text` anywhere in `column`, ignoring case. SQLite's LIKE ignores ASCII case by
    itself (lower() on every row would double a search's cost); PostgreSQL's ILIKE."""
    pattern = _like(text)
    if session.get_bind().dialect.name == "sqlite":
        return func.coalesce(column, "").like(pattern, escape="\\")
    return func.coalesce(column, "").ilike(pattern, escape="\\")


def _searched_ids(
    session: Session, q: RosterQuery, gone: Sequence[str], sides: Sides, offset: int, limit: int
) -> tuple[list[str], int]:
    """A search reads every account's names and addresses once, in table order, checking
    list membership for those that match (and the CC-only members' links): O(accounts)."""
    text = q.search.strip()
    a, k = ACCOUNTS, LINKS
    full = func.coalesce(a.c.first_name, "") + " " + func.coalesce(a.c.last_name, "")
    fields: list[ColumnElement[str]] = [a.c.first_name, a.c.last_name, a.c.company_name, a.c.email]
    if " " in text:  # "Ada Lovelace": the whole name
        fields.append(full)
    named = or_(*(_contains(session, f, text) for f in fields))
    mailed = _contains(session, k.c.email, text)
    parts = []
    if q.crm_list_id is not None:
        # a CRM member by the account's own names and addresses (CC's copy of the address
        # is the account's, pushed); a CC-only one by CC's address too
        parts.append(
            select(a.c.id.label("account_id"), literal(0).label("rank")).where(
                a.c.connection_id == q.connection_id, named, _live_member(q, a.c.id, gone)
            )
        )
    if sides.cc_only:
        account_named = exists().where(
            a.c.connection_id == q.connection_id, a.c.id == k.c.account_id, named
        )
        parts.append(
            _cc_only_ids(q, gone)
            .add_columns(literal(1).label("rank"))
            .where(or_(mailed, account_named))
        )
    if not parts:
        return [], 0
    matched = (parts[0].union_all(*parts[1:]) if len(parts) > 1 else parts[0]).subquery()
    # the page and the number of hits from one reading of the matches (a window count)
    everyone = func.count().over().label("total")
    page = select(matched.c.account_id, everyone).order_by(matched.c.rank, matched.c.account_id)
    rows = session.execute(page.offset(offset).limit(limit)).all()
    if rows:
        return [str(r[0]) for r in rows], int(rows[0][1])
    total = session.scalar(select(func.count()).select_from(matched)) or 0  # past the end
    return [], int(total)


def _members(
    session: Session, q: RosterQuery, ids: list[str], gone: Sequence[str]
) -> list[StoredMember]:
    """The page's people, in the order of `ids`, with what decides their state."""
    if not ids:
        return []
    a, k = ACCOUNTS, LINKS
    account = {str(r.id): r for r in session.execute(
        select(a).where(a.c.connection_id == q.connection_id, a.c.id.in_(ids)))}  # fmt: skip
    link = {str(r.account_id): r for r in session.execute(
        select(k.c.account_id, k.c.cc_contact_id, k.c.email, k.c.permission_to_send,
               _on_cc(q.cc_list_id).label("on_cc"))
        .where(k.c.connection_id == q.connection_id, k.c.account_id.in_(ids)))}  # fmt: skip
    on_crm: set[str] = set()
    if q.crm_list_id is not None:
        m = MEMBERS.c
        query = select(m.account_id).where(m.list_id == q.crm_list_id, m.account_id.in_(ids))
        on_crm = set(session.scalars(query)) - set(gone)
    return [_member(i, account.get(i), link.get(i), i in on_crm) for i in ids]


def _member(account_id: str, a: object, k: object, on_crm: bool) -> StoredMember:
    def get(row: object, name: str, default: object = "") -> object:
        return default if row is None else getattr(row, name)

    return StoredMember(
        account_id,
        str(get(a, "type")), str(get(a, "first_name")), str(get(a, "last_name")),
        str(get(a, "company_name")), str(get(a, "email")),
        on_crm, bool(get(k, "on_cc", False)),
        str(get(k, "cc_contact_id")), str(get(k, "email")),
        bool(get(a, "email_opt_out", False)) or bool(get(a, "do_not_contact", False)),
        get(k, "permission_to_send") == UNSUBSCRIBED,
    )  # fmt: skip


@dataclass(frozen=True)
class RosterPage:
    members: list[StoredMember]
    total: int  # the people matching the query, on every page


def read_page(
    session: Session, q: RosterQuery, gone: Sequence[str], sides: Sides, offset: int, limit: int
) -> RosterPage:
    """One page; `gone` and `sides` as deleted_ids and side_counts read them."""
    if q.search.strip():
        ids, total = _searched_ids(session, q, gone, sides, offset, limit)
    else:
        ids, total = _ids_page(session, q, gone, sides, offset, limit), sides.crm + sides.cc_only
    return RosterPage(_members(session, q, ids, gone), total)


def change_marker(session: Session, q: RosterQuery) -> tuple[object, ...] | None:
    """Something that changes whenever side_counts may: the connection's newest run (every
    job that writes links records one) and the CRM list's size and newest addition. None
    while a run is going: its writes land as it goes."""
    newest = session.execute(
        select(Run.id, Run.status, Run.finished_at)
        .where(Run.connection_id == q.connection_id)
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(1)
    ).first()
    if newest is not None and newest.finished_at is None:
        return None
    crm: tuple[object, ...] = ()
    if q.crm_list_id is not None:
        m = MEMBERS.c
        crm = tuple(session.execute(
            select(func.count(), func.max(m.added_at)).where(m.list_id == q.crm_list_id)
        ).one())  # fmt: skip
    return (tuple(newest) if newest is not None else None, crm)
