"""The builtin CRM's reads for list jobs: a few accounts by id, and the opted-out ids,
without reading the whole CRM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from listbridge.core.accounts import Account
from listbridge.crm.builtin import writes
from listbridge.crm.builtin.adapter import PAGE, BuiltinCrm
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.store.connections import connection_id
from listbridge.store.db import Store


def test_get_many_and_opted_out_ids(store: Store) -> None:
    crm = BuiltinCrm(store, connection_id(store, "default"))
    crm.create(Account("A1", email="a@example.org", custom={}), reason="test")
    crm.create(Account("B2", email="b@example.org", email_opt_out=True), reason="test")
    crm.create(Account("C3", email="c@example.org"), reason="test")
    found = crm.get_many(["C3", "A1", "nobody", "A1"])
    assert sorted(found) == ["A1", "C3"]
    assert found["C3"].email == "c@example.org"
    assert crm.opted_out_ids() == frozenset({"B2"})
    crm.set_email_opt_out("B2", False, reason="test")
    assert crm.opted_out_ids() == frozenset()


def test_changes_read_in_pages_each_one_index_seek_though_every_account_shares_a_time(
    store: Store,
) -> None:
    """A `crm load` gives a whole file one updated_at: each keyset page must still start
    where the last ended in the index (migration 0020), not sort every account of that
    instant again, which made a million-account read take half an hour."""
    crm = BuiltinCrm(store, connection_id(store, "default"))
    at = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    ids = [f"H-{n:04d}" for n in range(PAGE * 2 + 7)]
    with store.session() as session:
        catalog = FieldCatalog.read(session, crm.connection_id)
        accounts = [Account(i, first_name="Zoë", email=f"{i.lower()}@example.org") for i in ids]
        rows = [writes.account_values(crm.connection_id, a) for a in accounts]
        for row in rows:
            row[writes.position("created_at")] = row[writes.position("updated_at")] = at
        writes.insert_accounts(session, crm.connection_id, accounts, catalog, rows)
    pages: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "ORDER BY crm_accounts.updated_at, crm_accounts.id" in statement:
            pages.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        read = [account.id for account in crm.changed_since(at - timedelta(days=1))]
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert read == ids
    assert len(pages) == 3
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.connect() as connection:
        for statement, parameters in pages[1:]:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            steps = " ".join(str(step[-1]) for step in plan)
            assert "USING INDEX ix_crm_accounts_updated_id" in steps
            assert "(updated_at,id)>(?,?)" in steps
            assert "TEMP B-TREE" not in steps
