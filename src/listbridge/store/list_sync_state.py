"""What list jobs keep between runs: which CC list is paired with which CRM list, the rule
bound to it, and what each side held after the last list sync (the merge's bases).

The bases are saved as differences from the previous ones, so a sync of a 50,000-member
list where 500 changed writes 500 rows, not 100,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from listbridge.store.models import CcListMirror, CrmList, ListSyncMember

CRM, CC = "crm", "cc"
CHUNK = 1_000


@dataclass(frozen=True)
class ListPair:
    cc_list_id: str
    name: str  # Constant Contact's name, as last read
    hidden: bool
    deleted: bool
    crm_list_id: int | None
    crm_name: str | None  # None: no CRM list paired (never, or deleted since)
    synced_name: str
    rule_kind: str  # '' (not bound), 'where', 'crm_list'
    rule: str
    last_sync: datetime | None
    cc_members: int | None


def list_pairs(session: Session, connection_id: int) -> list[ListPair]:
    query = (
        select(CcListMirror, CrmList.name)
        .outerjoin(CrmList, CrmList.id == CcListMirror.crm_list_id)
        .where(CcListMirror.connection_id == connection_id)
        .order_by(CcListMirror.name, CcListMirror.cc_list_id)
    )
    return [_pair(row, crm_name) for row, crm_name in session.execute(query)]


def _pair(row: CcListMirror, crm_name: str | None) -> ListPair:
    return ListPair(
        row.cc_list_id, row.name, row.hidden, row.deleted, row.crm_list_id, crm_name,
        row.synced_name, row.rule_kind, row.rule, row.last_sync, row.cc_members,
    )  # fmt: skip


def find_pair(session: Session, connection_id: int, name: str) -> ListPair | None:
    """The live list called `name` in CC (exactly, else ignoring case)."""
    return pair_named(list_pairs(session, connection_id), name)


def pair_named(pairs: Iterable[ListPair], name: str) -> ListPair | None:
    """Among `pairs`, the live list called `name` (exactly, else the one ignoring case)."""
    live = [p for p in pairs if not p.deleted]
    exact = [p for p in live if p.name == name]
    if exact:
        return exact[0]
    folded = [p for p in live if p.name.casefold() == name.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def _update(session: Session, connection_id: int, cc_list_id: str, **values: object) -> None:
    session.execute(
        update(CcListMirror)
        .where(CcListMirror.connection_id == connection_id, CcListMirror.cc_list_id == cc_list_id)
        .values(**values)
    )


def pair_lists(
    session: Session, connection_id: int, cc_list_id: str, crm_list_id: int | None
) -> None:
    _update(session, connection_id, cc_list_id, crm_list_id=crm_list_id)


def bind_rule(session: Session, connection_id: int, cc_list_id: str, kind: str, rule: str) -> None:
    _update(session, connection_id, cc_list_id, rule_kind=kind, rule=rule)


def set_hidden(session: Session, connection_id: int, cc_list_id: str, hidden: bool) -> None:
    _update(session, connection_id, cc_list_id, hidden=hidden)


def set_names(
    session: Session, connection_id: int, cc_list_id: str, name: str, synced: bool = True
) -> None:
    values: dict[str, object] = {"name": name}
    if synced:
        values["synced_name"] = name
    _update(session, connection_id, cc_list_id, **values)


def mark_list_synced(
    session: Session, connection_id: int, cc_list_id: str, name: str, at: datetime
) -> None:
    _update(session, connection_id, cc_list_id, synced_name=name, last_sync=at)


def mark_deleted(session: Session, connection_id: int, cc_list_id: str, at: datetime) -> None:
    _update(session, connection_id, cc_list_id, deleted=True, refreshed_at=at, crm_list_id=None)
    forget_bases(session, connection_id, cc_list_id)


def read_bases(
    session: Session, connection_id: int, cc_list_id: str
) -> tuple[frozenset[str], frozenset[str]]:
    """(CRM side, CC side) after the last sync; both empty when it never synced."""
    query = select(ListSyncMember.side, ListSyncMember.account_id).where(
        ListSyncMember.connection_id == connection_id, ListSyncMember.cc_list_id == cc_list_id
    )
    sides: dict[str, set[str]] = {CRM: set(), CC: set()}
    for side, account_id in session.execute(query):
        sides[side].add(account_id)
    return frozenset(sides[CRM]), frozenset(sides[CC])


def save_bases(
    session: Session,
    connection_id: int,
    cc_list_id: str,
    old: tuple[frozenset[str], frozenset[str]],
    new: tuple[frozenset[str], frozenset[str]],
) -> None:
    for side, before, after in ((CRM, old[0], new[0]), (CC, old[1], new[1])):
        _insert(session, connection_id, cc_list_id, side, after - before)
        _delete(session, connection_id, cc_list_id, side, before - after)


def _insert(
    session: Session, connection_id: int, cc_list_id: str, side: str, ids: Iterable[str]
) -> None:
    rows = [
        {"connection_id": connection_id, "cc_list_id": cc_list_id, "side": side, "account_id": a}
        for a in sorted(ids)
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(ListSyncMember), rows[start : start + CHUNK])


def _delete(
    session: Session, connection_id: int, cc_list_id: str, side: str, ids: Iterable[str]
) -> None:
    keys = sorted(ids)
    for start in range(0, len(keys), CHUNK):
        session.execute(
            delete(ListSyncMember).where(
                ListSyncMember.connection_id == connection_id,
                ListSyncMember.cc_list_id == cc_list_id,
                ListSyncMember.side == side,
                ListSyncMember.account_id.in_(keys[start : start + CHUNK]),
            )
        )


def forget_bases(session: Session, connection_id: int, cc_list_id: str) -> None:
    session.execute(
        delete(ListSyncMember).where(
            ListSyncMember.connection_id == connection_id, ListSyncMember.cc_list_id == cc_list_id
        )
    )
