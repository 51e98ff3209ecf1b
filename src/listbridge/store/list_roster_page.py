"""One page of a linked list's members, read from the store in SQL (the web's /lists/NAME).

The builtin CRM keeps its lists in this database, and the links record which CC lists
each linked contact is on (`cc_links.list_ids`, kept current by every list job), so the
members of both sides, with what decides their state, come from one query: the paired
CRM list's accounts united with the links on the CC list, LIMIT/OFFSET in the database.
A 100,000-member list reads 50 rows, not 100,000 (the counts still scan the list, in SQL).

Contacts on the CC list that no account is linked to are not in the store: the CLI's
`lists members NAME` reads CC itself and shows them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from listbridge.store.link_lists import UNSUBSCRIBED
from listbridge.store.models import CcLink, CrmAccount, CrmListMember

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
class SideCounts:
    crm: int  # live accounts on the paired CRM list
    cc: int  # linked contacts on the CC list, not unsubscribed


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _on_cc(cc_list_id: str) -> ColumnElement[bool]:
    # list_ids is a JSON array of ids; its text holds each id in double quotes (the
    # same on SQLite and PostgreSQL), so one LIKE finds it without a JSON function.
    return cast(LINKS.c.list_ids, String).like(_like(f'"{cc_list_id}"'), escape="\\")


def _people(q: RosterQuery) -> Select[tuple[str]]:
    """The account ids on either side, once each."""
    on_cc = select(LINKS.c.account_id.label("account_id")).where(
        LINKS.c.connection_id == q.connection_id, _on_cc(q.cc_list_id)
    )
    if q.crm_list_id is None:
        return on_cc
    on_crm = select(MEMBERS.c.account_id.label("account_id")).where(
        MEMBERS.c.list_id == q.crm_list_id
    )
    return select(union(on_crm, on_cc).subquery().c.account_id)


def _rows(q: RosterQuery) -> Select[tuple[object, ...]]:
    people = _people(q).subquery()
    a, m, k = ACCOUNTS, MEMBERS, LINKS
    on_crm = and_(m.c.account_id.is_not(None), a.c.deleted_at.is_(None))
    query = (
        select(
            people.c.account_id,
            func.coalesce(a.c.type, ""),
            func.coalesce(a.c.first_name, ""),
            func.coalesce(a.c.last_name, ""),
            func.coalesce(a.c.company_name, ""),
            func.coalesce(a.c.email, ""),
            case((on_crm, True), else_=False),
            case((_on_cc(q.cc_list_id), True), else_=False),
            func.coalesce(k.c.cc_contact_id, ""),
            func.coalesce(k.c.email, ""),
            case((or_(a.c.email_opt_out, a.c.do_not_contact), True), else_=False),
            case((k.c.permission_to_send == UNSUBSCRIBED, True), else_=False),
        )
        .select_from(people)
        .outerjoin(a, and_(a.c.connection_id == q.connection_id, a.c.id == people.c.account_id))
        .outerjoin(
            k, and_(k.c.connection_id == q.connection_id, k.c.account_id == people.c.account_id)
        )
        .outerjoin(
            m,
            and_(
                m.c.list_id == (q.crm_list_id if q.crm_list_id is not None else literal(-1)),
                m.c.account_id == people.c.account_id,
            ),
        )
    )
    if q.search.strip():
        pattern = _like(q.search.strip().casefold())
        fields = (a.c.first_name, a.c.last_name, a.c.company_name, a.c.email, k.c.email)
        full = func.coalesce(a.c.first_name, "") + " " + func.coalesce(a.c.last_name, "")
        hits = [func.lower(func.coalesce(f, "")).like(pattern, escape="\\") for f in fields]
        hits.append(func.lower(full).like(pattern, escape="\\"))
        query = query.where(or_(false(), *hits))
    return query


def roster_page(
    session: Session, q: RosterQuery, offset: int, limit: int
) -> tuple[list[StoredMember], int]:
    """The members of one page (by account id) and how many match `q` in all."""
    rows = _rows(q).subquery()
    total = session.scalar(select(func.count()).select_from(rows)) or 0
    found = session.execute(select(rows).order_by(rows.c.account_id).offset(offset).limit(limit))
    members = [
        StoredMember(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            bool(r[6]),
            bool(r[7]),
            str(r[8]),
            str(r[9]),
            bool(r[10]),
            bool(r[11]),
        )
        for r in found
    ]
    return members, int(total)


def side_counts(session: Session, q: RosterQuery) -> SideCounts:
    crm = 0
    if q.crm_list_id is not None:
        live = and_(
            ACCOUNTS.c.connection_id == q.connection_id,
            ACCOUNTS.c.id == MEMBERS.c.account_id,
            ACCOUNTS.c.deleted_at.is_(None),
        )
        crm = session.scalar(
            select(func.count())
            .select_from(MEMBERS.join(ACCOUNTS, live))
            .where(MEMBERS.c.list_id == q.crm_list_id)
        ) or 0  # fmt: skip
    cc = session.scalar(
        select(func.count())
        .select_from(LINKS)
        .where(LINKS.c.connection_id == q.connection_id, _on_cc(q.cc_list_id))
        .where(LINKS.c.permission_to_send != UNSUBSCRIBED)
    ) or 0  # fmt: skip
    return SideCounts(int(crm), int(cc))
