"""The lists each link's contact is on, as list jobs read and keep them.

`cc_links.list_ids` is our record of a contact's memberships: imports and pushes set it
from what CC said or did, list jobs keep it in step with the memberships they change
and with the contacts CC reports as changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from listbridge.store.links import PAGE
from listbridge.store.models import CcLink

UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class LinkMembership:
    contact_id: str
    list_ids: frozenset[str]
    unsubscribed: bool


def link_memberships(session: Session, connection_id: int) -> dict[str, LinkMembership]:
    """Every link's contact and lists, by account id."""
    c = CcLink
    query = select(c.account_id, c.cc_contact_id, c.list_ids, c.permission_to_send).where(
        c.connection_id == connection_id
    )
    return {
        str(account_id): LinkMembership(str(contact_id), frozenset(lists or ()), p == UNSUBSCRIBED)
        for account_id, contact_id, lists, p in session.execute(
            query.execution_options(yield_per=PAGE)
        )
    }


def set_link_lists(
    session: Session, connection_id: int, lists: Mapping[str, Iterable[str]], at: datetime
) -> None:
    """New list ids per account (only the links named)."""
    if not lists:
        return
    table: Table = CcLink.__table__  # type: ignore[assignment]
    statement = (
        update(table)
        .where(table.c.connection_id == connection_id, table.c.account_id == bindparam("a"))
        .values(list_ids=bindparam("l"), updated_at=at)
    )
    rows = [{"a": account, "l": sorted(ids)} for account, ids in lists.items()]
    session.connection().execute(statement, rows)
