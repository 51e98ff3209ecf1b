"""`lists ls`: every Constant Contact list, its members on both sides, its last sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.store.cc_lists import refresh_lists
from listbridge.store.db import Store
from listbridge.store.links import linked_list_counts
from listbridge.sync.cc_connection import open_client


@dataclass(frozen=True)
class ListOverview:
    name: str
    status: str  # active | hidden
    cc_list_id: str
    crm_members: int  # linked accounts subscribed to it, per the links' subscription data
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
        mirrored = refresh_lists(session, connection_id, lists, datetime.now(UTC))
        members = linked_list_counts(session, connection_id)
    return [
        ListOverview(
            m.name,
            "hidden" if m.hidden else "active",
            m.cc_list_id,
            members.get(m.cc_list_id, 0),
            m.cc_members,
            m.last_sync,
        )
        for m in mirrored
        if not m.deleted
    ]
