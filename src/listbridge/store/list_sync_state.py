"""What list jobs keep between runs: which CC list is paired with which CRM list, the rule
bound to it, and what each side held after the last list sync (the merge's bases).

The bases are saved as differences from the previous ones, so a sync of a 50,000-member
list where 500 changed writes 500 rows, not 100,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from listbridge.store.models import CcListMirror, ListSyncMember

CRM, CC = "crm", "cc"
CHUNK = 1_000


@dataclass(frozen=True)
class ListPair:
    cc_list_id: str
    name: str  # Constant Contact's name, as last read
    hidden: bool
    deleted: bool
    #: the paired CRM list's key (`CrmWithLists.list_keys`), and its name now
    crm_list_key: str | None
    crm_name: str | None  # None: no CRM list paired (never, or deleted since)
    synced_name: str
    rule_kind: str  # '' (not bound), 'where', 'crm_list'
    rule: str
    last_sync: datetime | None
    cc_members: int | None


def list_pairs(
    session: Session, connection_id: int, crm_lists: Mapping[str, str]
) -> list[ListPair]:
    """Every CC list with its CRM list; `crm_lists` is the CRM's lists now, name by key.

    A pairing whose CRM list is gone is dropped here, as a foreign key would drop it:
    a CRM may give its key to a list made later, which must not inherit the pairing.
    """
    query = (
        select(CcListMirror)
        .where(CcListMirror.connection_id == connection_id)
        .order_by(CcListMirror.name, CcListMirror.cc_list_id)
    )
    rows = list(session.scalars(query))
    gone = [row.cc_list_id for row in rows if _gone(row, crm_lists)]
    pairs = [_pair(row, crm_lists) for row in rows]
    if gone:
        session.execute(
            update(CcListMirror)
            .where(CcListMirror.connection_id == connection_id)
            .where(CcListMirror.cc_list_id.in_(gone))
            .values(crm_list_key=None)
        )
    return pairs


def _gone(row: CcListMirror, crm_lists: Mapping[str, str]) -> bool:
    return row.crm_list_key is not None and row.crm_list_key not in crm_lists


def _pair(row: CcListMirror, crm_lists: Mapping[str, str]) -> ListPair:
    key = None if _gone(row, crm_lists) else row.crm_list_key
    crm_name = None if key is None else crm_lists[key]
    return ListPair(
        row.cc_list_id, row.name, row.hidden, row.deleted, key, crm_name,
        row.synced_name, row.rule_kind, row.rule, row.last_sync, row.cc_members,
    )  # fmt: skip


def find_pair(
    session: Session, connection_id: int, name: str, crm_lists: Mapping[str, str]
) -> ListPair | None:
    """The live list called `name` in CC (exactly, else ignoring case)."""
    return pair_named(list_pairs(session, connection_id, crm_lists), name)


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
    session: Session, connection_id: int, cc_list_id: str, crm_list_key: str | None
) -> None:
    _update(session, connection_id, cc_list_id, crm_list_key=crm_list_key)


def unpair_crm_list(session: Session, connection_id: int, crm_list_key: str) -> None:
    """The CRM list is gone: the CC lists paired with it are paired with nothing."""
    session.execute(
        update(CcListMirror)
        .where(CcListMirror.connection_id == connection_id)
        .where(CcListMirror.crm_list_key == crm_list_key)
        .values(crm_list_key=None)
    )


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
    _update(session, connection_id, cc_list_id, deleted=True, refreshed_at=at, crm_list_key=None)
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
    keys = sorted(ids)
    row = {"connection_id": connection_id, "cc_list_id": cc_list_id, "side": side}
    for start in range(0, len(keys), CHUNK):  # built a chunk at a time: a first fill's are many
        rows = [{**row, "account_id": a} for a in keys[start : start + CHUNK]]
        session.execute(insert(ListSyncMember), rows)


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
