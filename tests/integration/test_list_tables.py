"""Migration 0006 (the list tables) both ways, and what `disconnect` does to lists."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from listbridge.core.accounts import Account
from listbridge.core.cc_records import CcList
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.cc_lists import refresh_lists
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.disconnect import PURGED, forget_connection
from listbridge.store.list_sync_state import list_pairs, pair_lists
from listbridge.store.migrate import alembic_config, current_revision
from listbridge.store.models import Base, CcListMirror, CrmList, ListSyncMember
from listbridge.store.models.lists import CcListMirror as Defined

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NEW_TABLES = {"crm_lists", "crm_list_members", "list_sync_members"}


def _cc_list(store: Store, cid: int, list_id: str = "L1") -> None:
    with store.session() as session:
        refresh_lists(session, cid, [CcList(list_id, "News", membership_count=3)], NOW)


def test_cc_list_mirror_is_still_importable_from_models() -> None:
    assert CcListMirror is Defined


def test_downgrade_to_0005_and_back_keeps_cc_lists(store: Store) -> None:
    cid = connection_id(store, "main")
    _cc_list(store, cid)
    config = alembic_config(store.engine)
    command.downgrade(config, "0005")
    assert current_revision(store.engine) == "0005"
    tables = set(inspect(store.engine).get_table_names())
    assert not tables & NEW_TABLES
    columns = {c["name"] for c in inspect(store.engine).get_columns("cc_lists")}
    assert not columns & {"crm_list_id", "crm_list_key", "synced_name", "rule_kind", "rule"}
    command.upgrade(config, "head")
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    with store.session() as session:
        mirror = session.scalars(select(CcListMirror)).one()
        assert (mirror.name, mirror.synced_name, mirror.rule_kind, mirror.rule) == (
            "News",
            "",
            "",
            "",
        )
        assert mirror.crm_list_key is None


def test_deleting_a_crm_list_unpairs_its_cc_list(store: Store) -> None:
    cid = connection_id(store, "main")
    _cc_list(store, cid)
    crm = BuiltinCrm(store, cid)
    crm.create_list("News", reason="t")
    crm_lists = crm.list_keys()
    (key,) = crm_lists
    with store.session() as session:
        pair_lists(session, cid, "L1", key)
        (pair,) = list_pairs(session, cid, crm_lists)
    assert (pair.crm_list_key, pair.crm_name) == (key, "News")
    crm.delete_list("News", reason="t")
    # A list made since may get the deleted one's key: it must not inherit the pairing.
    crm.create_list("Other", reason="t")
    crm_lists = crm.list_keys()
    with store.session() as session:
        (pair,) = list_pairs(session, cid, crm_lists)
        mirror = session.scalars(select(CcListMirror)).one()
    assert (pair.crm_list_key, pair.crm_name, pair.name) == (None, None, "News")
    assert mirror.crm_list_key is None


def test_the_upgrade_keeps_each_pairing_under_its_crm_list_key(store: Store) -> None:
    cid = connection_id(store, "main")
    _cc_list(store, cid)
    crm = BuiltinCrm(store, cid)
    crm.create_list("News", reason="t")
    (key,) = crm.list_keys()
    config = alembic_config(store.engine)
    command.downgrade(config, "0009")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE cc_lists SET crm_list_id = :id"), {"id": int(key)})
    command.upgrade(config, "head")
    crm_lists = crm.list_keys()
    with store.session() as session:
        (pair,) = list_pairs(session, cid, crm_lists)
    assert (pair.crm_list_key, pair.crm_name) == (key, "News")


def test_disconnect_forgets_cc_lists_and_sync_state_but_keeps_crm_lists(store: Store) -> None:
    cid = connection_id(store, "main")
    other = connection_id(store, "other")
    _cc_list(store, cid)
    _cc_list(store, other)
    crm = BuiltinCrm(store, cid)
    crm.create(Account("A1"), reason="t")
    crm.create_list("News", reason="t")
    crm.add_to_list("News", ["A1"], reason="t")
    with store.session() as session:
        for connection in (cid, other):
            for side in ("crm", "cc"):
                session.add(
                    ListSyncMember(
                        connection_id=connection, cc_list_id="L1", side=side, account_id="A1"
                    )
                )
    assert PURGED["cc_lists"] in forget_connection(store, cid)
    with store.session() as session:
        for table in (CcListMirror, ListSyncMember):
            owners = session.scalars(select(table.connection_id)).all()
            assert set(owners) == {other}
        assert session.scalar(select(func.count()).select_from(CrmList)) == 1
    assert list(crm.list_members("News")) == ["A1"]
