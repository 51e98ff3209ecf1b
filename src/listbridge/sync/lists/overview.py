"""`lists ls`: every Constant Contact list, its members on both sides, its last sync."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.crm.factory import open_crm
from listbridge.store.cc_lists import refresh_lists
from listbridge.store.db import Store
from listbridge.store.links import linked_list_counts
from listbridge.store.list_sync_state import list_pairs
from listbridge.sync.cc_connection import open_client


@dataclass(frozen=True)
class ListOverview:
    name: str
    status: str  # active | hidden
    cc_list_id: str
    crm_members: int  # the paired CRM list's members (unpaired: linked accounts on the CC list)
    cc_members: int | None  # CC's membership_count
    last_sync: datetime | None


def list_overview(store: Store, connection_id: int) -> list[ListOverview]:
    """Refresh the mirror from CC, then describe each list CC still has."""
    client = open_client(store, connection_id)
    try:
        lists = [lst.to_core() for lst in client.iter_lists()]
    finally:
        client.close()
    crm = open_crm(store, connection_id)
    crm_lists = crm.list_keys()
    with store.session() as session:
        refresh_lists(session, connection_id, lists, datetime.now(UTC))
        linked = linked_list_counts(session, connection_id)
        pairs = list_pairs(session, connection_id, crm_lists)
    # The live members of each paired CRM list (a deleted account is on no list a job reads).
    paired = {p.crm_list_key: _count(crm.list_members(p.crm_name)) for p in pairs if p.crm_name}
    return [
        ListOverview(
            p.name,
            "hidden" if p.hidden else "active",
            p.cc_list_id,
            paired.get(p.crm_list_key, 0) if p.crm_list_key else linked.get(p.cc_list_id, 0),
            p.cc_members,
            p.last_sync,
        )
        for p in pairs
        if not p.deleted
    ]


def _count(members: Iterator[str]) -> int:
    return sum(1 for _ in members)
