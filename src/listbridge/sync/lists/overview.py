"""`lists ls`: every Constant Contact list, its members on both sides, its last sync."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
    #: the paired CRM list's name now (None: not paired)
    crm_list: str | None = None
    #: what fills the list (`lists bind`): '' (nothing), 'where' (a filter), 'crm_list'
    rule_kind: str = ""
    rule: str = ""

    def json(self) -> dict[str, Any]:
        """One element of `lists ls --json` (the binding is the web's alone: the contract)."""
        return {
            "name": self.name,
            "status": self.status,
            "cc_list_id": self.cc_list_id,
            "crm_members": self.crm_members,
            "cc_members": self.cc_members,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
        }


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
        pairs = list_pairs(session, connection_id, crm_lists)
        unpaired = [p.cc_list_id for p in pairs if not p.crm_list_key and not p.deleted]
        linked = linked_list_counts(session, connection_id, unpaired)
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
            p.crm_name,
            p.rule_kind,
            p.rule,
        )
        for p in pairs
        if not p.deleted
    ]


def overview_named(lists: list[ListOverview], name: str) -> ListOverview | None:
    """The list called `name` (exactly, else the one ignoring case), as `pair_named` finds it."""
    exact = [lst for lst in lists if lst.name == name]
    folded = [lst for lst in lists if lst.name.casefold() == name.strip().casefold()]
    return exact[0] if exact else folded[0] if len(folded) == 1 else None


def _count(members: Iterator[str]) -> int:
    return sum(1 for _ in members)
