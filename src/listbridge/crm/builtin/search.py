"""`/accounts?q=` on the builtin CRM: the search rule of core/account_search.py as one
SQL query per page (LIKE with LIMIT, in id order), so a page of 100,000 accounts is read
without loading them. Accounts `crm delete` marked are left out, as from an export."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Row, Select, or_, select

from listbridge.core.account_search import PER_PAGE, AccountHit, SearchPage, full_name
from listbridge.core.accounts import AccountType
from listbridge.crm.builtin.records import ACCOUNTS
from listbridge.store.db import Store

_ESCAPE = "\\"


def search_accounts(store: Store, connection_id: int, query: str, page: int) -> SearchPage:
    """Page `page` (from 1) of the live accounts matching `query` (already cleaned)."""
    with store.session() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        statement = _matching(connection_id, query, postgres)
        rows = session.execute(statement.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    hits = tuple(_hit(row) for row in rows[:PER_PAGE])
    return SearchPage(query, page, hits, len(rows) > PER_PAGE)


def _hit(row: Row[tuple[object, ...]]) -> AccountHit:
    return AccountHit(
        str(row.id),
        row.type == AccountType.INDIVIDUAL,
        full_name(str(row.first_name), str(row.last_name)),
        str(row.company_name),
        str(row.email),
        bool(row.email_opt_out),
        bool(row.do_not_contact),
    )


def _matching(connection_id: int, query: str, postgres: bool) -> Select[tuple[object, ...]]:
    a = ACCOUNTS.c
    columns = (a.id, a.type, a.first_name, a.last_name, a.company_name, a.email,
               a.email_opt_out, a.do_not_contact)  # fmt: skip
    statement = select(*columns).where(a.connection_id == connection_id, a.deleted_at.is_(None))
    if query:
        statement = statement.where(or_(*(_like(t, query, postgres) for t in _texts(query))))
    # the primary key's order: the index walks it and stops after the page
    return statement.order_by(a.id)


def _texts(query: str) -> list[ColumnElement[str]]:
    """What a query is looked for in; the whole name ("Ann Lee") only when the query has a
    space, since building it for every row of a rare query's scan costs as much as a LIKE."""
    a = ACCOUNTS.c
    texts: list[ColumnElement[str]] = [a.id, a.first_name, a.last_name, a.company_name, a.email,
                                       a.email2, a.email3]  # fmt: skip
    return [*texts, a.first_name + " " + a.last_name] if " " in query else texts


def _like(text: ColumnElement[str], query: str, postgres: bool) -> ColumnElement[bool]:
    """Case ignored for ASCII letters on both backends: SQLite's LIKE does so itself;
    PostgreSQL's ILIKE under the "C" collation does the same, faster than under a
    language's. The ESCAPE clause only when needed: it slows SQLite's LIKE by a third."""
    escaped = _escaped(query)
    pattern, escape = f"%{escaped}%", _ESCAPE if escaped != query else None
    if postgres:
        return text.collate("C").ilike(pattern, escape=escape)
    return text.like(pattern, escape=escape)


def _escaped(query: str) -> str:
    """`query` matched as typed: `%` and `_` are letters here, not wildcards."""
    for char in (_ESCAPE, "%", "_"):
        query = query.replace(char, _ESCAPE + char)
    return query
