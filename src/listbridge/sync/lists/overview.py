"""`lists ls`: every Constant Contact list, its members on both sides, its last sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.store.cc_lists import refresh_lists
from listbridge.store.crm_lists import member_counts
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
    with store.session() as session:
        refresh_lists(session, connection_id, lists, datetime.now(UTC))
        linked = linked_list_counts(session, connection_id)
        paired = member_counts(session, connection_id)
        pairs = list_pairs(session, connection_id)
    return [
        ListOverview(
            p.name,
            "hidden" if p.hidden else "active",
            p.cc_list_id,
            paired.get(p.crm_list_id, 0) if p.crm_list_id else linked.get(p.cc_list_id, 0),
            p.cc_members,
            p.last_sync,
        )
        for p in pairs
        if not p.deleted
    ]
