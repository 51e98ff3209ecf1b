"""The lists each link's contact is on, as list jobs read and keep them.

`cc_links.list_ids` is our record of a contact's memberships: imports and pushes set it
from what CC said or did, list jobs keep it in step with the memberships they change
and with the contacts CC reports as changed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from listbridge.store.links import PAGE
from listbridge.store.models import CcLink

UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class LinkMembership:
    contact_id: str
    list_ids: frozenset[str]
    unsubscribed: bool


#: ids looked up with one IN (…) at a time
CHUNK = 5000


def link_memberships(
    session: Session, connection_id: int, account_ids: Collection[str] | None = None
) -> dict[str, LinkMembership]:
    """Every link's contact and lists (or these accounts' links), by account id. Compact:
    a million links are held by a list job, so the rows share one set per distinct
    membership and one string per list id."""
    c = CcLink
    query = select(c.account_id, c.cc_contact_id, c.list_ids, c.permission_to_send).where(
        c.connection_id == connection_id
    )
    shared: dict[frozenset[str], frozenset[str]] = {}
    if account_ids is None:
        return _memberships(session.execute(query.execution_options(yield_per=PAGE)), shared)
    keys, found = sorted(set(account_ids)), {}
    for start in range(0, len(keys), CHUNK):
        rows = session.execute(query.where(c.account_id.in_(keys[start : start + CHUNK])))
        found.update(_memberships(rows, shared))
    return found


def _memberships(
    rows: Iterable[Any], shared: dict[frozenset[str], frozenset[str]]
) -> dict[str, LinkMembership]:
    found = {}
    for account_id, contact_id, lists, permission in rows:
        key = frozenset(lists or ())
        found[str(account_id)] = LinkMembership(
            str(contact_id), shared.setdefault(key, key), permission == UNSUBSCRIBED
        )
    return found


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
