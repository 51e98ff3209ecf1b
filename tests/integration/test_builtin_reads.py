"""The builtin CRM's reads for list jobs: a few accounts by id, and the opted-out ids,
without reading the whole CRM."""

from __future__ import annotations

from listbridge.core.accounts import Account
from listbridge.crm.builtin.adapter import BuiltinCrm
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
