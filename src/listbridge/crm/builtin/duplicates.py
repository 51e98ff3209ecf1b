"""`crm duplicates`: the builtin CRM's accounts streamed once (the columns the report
compares, and whether each is linked) into the pure grouping of core/duplicates.py."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from listbridge.core.accounts import AccountType
from listbridge.core.duplicates import AccountClues, DuplicateGroup, find_duplicates
from listbridge.store.db import Store
from listbridge.store.models import CcLink, CrmAccount

#: Rows fetched at a time: memory stays flat however many accounts there are.
PAGE = 5000


def duplicate_groups(store: Store, connection_id: int) -> list[DuplicateGroup]:
    with store.session() as session:
        return find_duplicates(_clues(session, connection_id))


def _clues(session: Session, connection_id: int) -> Iterator[AccountClues]:
    a = CrmAccount
    linked = and_(CcLink.connection_id == a.connection_id, CcLink.account_id == a.id)
    query = (
        select(
            a.id,
            a.type,
            a.first_name,
            a.last_name,
            a.email,
            a.email2,
            a.email3,
            a.phone1,
            a.phone2,
            a.phone3,
            a.address_line1,
            a.zip,
            a.deleted_at,
            a.cc_contact_id,
            CcLink.account_id,
        )
        .outerjoin(CcLink, linked)
        .where(a.connection_id == connection_id)
    )
    for row in session.execute(query.execution_options(yield_per=PAGE)):
        yield AccountClues(
            account_id=row[0],
            individual=row[1] == AccountType.INDIVIDUAL,
            first_name=row[2],
            last_name=row[3],
            emails=(row[4], row[5], row[6]),
            phones=(row[7], row[8], row[9]),
            street=row[10],
            postal_code=row[11],
            deleted=row[12] is not None,
            # The link table is the truth; cc_contact_id mirrors it (store/links.py).
            linked=bool(row[13]) or row[14] is not None,
        )
