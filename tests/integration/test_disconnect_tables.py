"""Every table scoped by connection is either forgotten by `disconnect` or kept for a stated
reason (store/disconnect.py), so a table added later cannot be forgotten by accident; and
the purge touches the disconnected connection alone."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Table, func, insert, inspect, select

import listbridge.store
from listbridge.core.accounts import Account
from listbridge.core.campaign_stats import Counters
from listbridge.core.errors import LockHeldError
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.disconnect import KEPT, PURGED, forget_connection
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.models import Base

NOW = datetime(2026, 1, 1, tzinfo=UTC)

#: one row of each purged table (a new purged table needs one here too)
COUNTERS = tuple(Counters.__dataclass_fields__)
SAMPLES: dict[str, dict[str, Any]] = {
    "cc_accounts": {
        "client_id": "c",
        "api_base": "a",
        "auth_base": "b",
        "redirect_uri": "r",
        "connected_at": NOW,
        "account_id": "acct",
    },
    "cc_links": {"account_id": "A1", "cc_contact_id": "C1", "linked_at": NOW, "updated_at": NOW},
    "import_cursors": {"scope": "*", "updated_after": NOW},
    "import_pending": {"cc_contact_id": "C2", "reason": "ambiguous", "contact": {}},
    "cc_lists": {"cc_list_id": "L1", "name": "News", "refreshed_at": NOW},
    "list_sync_members": {"cc_list_id": "L1", "side": "cc", "account_id": "A1"},
    "push_activities": {"key": "k", "activity_id": "act", "submitted_at": NOW},
    "cc_campaigns": {
        "campaign_id": "K1",
        "activity_id": "KA1",
        "name": "Spring appeal",
        "list_ids": ["L1"],
        "included": True,
        "frozen": False,
        **dict.fromkeys(COUNTERS, 0),
        "watermarks": {},
    },
    "cc_campaign_events": {
        "campaign_id": "K1",
        "kind": "opens",
        "cc_contact_id": "C1",
        "email": "a@example.org",
        "at": NOW,
        "detail": "",
        "detail_key": "",
        "device": "computer",
        "account_id": "A1",
    },
}


def connection_tables() -> set[str]:
    """Tables of the metadata with a connection_id, every store module imported first."""
    for module in pkgutil.iter_modules(listbridge.store.__path__, "listbridge.store."):
        importlib.import_module(module.name)
    return {t.name for t in Base.metadata.sorted_tables if "connection_id" in t.c}


def test_every_connection_table_is_purged_or_kept_with_a_reason() -> None:
    tables = connection_tables()
    undecided = tables - PURGED.keys() - KEPT.keys()
    assert not undecided, f"name these in PURGED or KEPT of store/disconnect.py: {undecided}"
    assert not PURGED.keys() & KEPT.keys()
    assert PURGED.keys() | KEPT.keys() <= tables, "a name there is no table of"
    assert all(len(why.split()) >= 2 for why in (*PURGED.values(), *KEPT.values()))


def test_the_migrated_schema_has_no_other_connection_table(store: Store) -> None:
    found = inspect(store.engine)
    scoped = {
        name
        for name in found.get_table_names()
        if "connection_id" in {c["name"] for c in found.get_columns(name)}
    }
    assert scoped == PURGED.keys() | KEPT.keys()


def _count(store: Store, table: Table, cid: int) -> int:
    query = select(func.count()).select_from(table).where(table.c.connection_id == cid)
    with store.session() as session:
        return int(session.scalar(query) or 0)


def test_the_purge_takes_the_connections_rows_alone_and_clears_the_mirrored_ids(
    store: Store,
) -> None:
    assert set(SAMPLES) == set(PURGED)
    cid, other = connection_id(store, "main"), connection_id(store, "other")
    for connection in (cid, other):
        crm = BuiltinCrm(store, connection)
        crm.create(Account("A1", email="a@example.org", email_opt_out=True), reason="t")
        with store.session() as session:
            for name, row in SAMPLES.items():
                session.execute(
                    insert(Base.metadata.tables[name]), [{**row, "connection_id": connection}]
                )
            accounts = Base.metadata.tables["crm_accounts"]
            session.execute(accounts.update().values(cc_contact_id="C1"))
    forget_connection(store, cid)
    for name in PURGED:
        table = Base.metadata.tables[name]
        assert (_count(store, table, cid), _count(store, table, other)) == (0, 1), name
    kept, untouched = BuiltinCrm(store, cid).get("A1"), BuiltinCrm(store, other).get("A1")
    assert kept is not None
    assert untouched is not None
    assert (kept.cc_contact_id, kept.email_opt_out) == ("", True)
    assert untouched.cc_contact_id == "C1"


def test_disconnect_is_refused_while_a_sync_holds_the_lock(
    store: Store,
) -> None:
    cid = connection_id(store, "main")
    with store.session() as session:
        session.execute(
            insert(Base.metadata.tables["cc_links"]),
            [{**SAMPLES["cc_links"], "connection_id": cid}],
        )
    with (
        connection_lock(store, cid, holder_here("push")),
        pytest.raises(LockHeldError, match="push"),
    ):
        forget_connection(store, cid)
    assert _count(store, Base.metadata.tables["cc_links"], cid) == 1
