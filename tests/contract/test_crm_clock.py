"""Time in the CrmAdapter contract, when the clock has a fraction of a second: a CRM that
keeps its times to the second (CiviCRM, Vtiger, a mapped SQL CRM) still journals each
write at the clock's own moment, so that an account's history reads in the order things
happened beside the jobs' entries, and `changed_since` still finds a change made later
in the same second (the unsubscribe sync's cursor is such a moment: a change missed
there is an opt-out lost).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.contract.adapters import ADAPTERS, T0

from listbridge.core.accounts import Account
from listbridge.core.journal import Change, Side
from listbridge.store.db import Store
from listbridge.store.journal import history, record_changes


class Creeping:
    """A clock 0.1 s into a second that moves 1 ms each time it is read: every reading
    of a test falls in that one second."""

    def __init__(self) -> None:
        self.now = T0 + timedelta(milliseconds=100)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_history_reads_in_the_order_of_the_writes_within_a_second(
    adapter: str, store: Store, cid: int
) -> None:
    clock = Creeping()
    with ADAPTERS[adapter](store, cid, clock) as crm:
        ann = crm.create(Account("A1", email="ann@example.org", last_name="Lee"), reason="test")
        linked = Change(Side.CRM, ann.id, "cc_contact_id", None, "c-1", "a job's own", clock())
        with store.session() as session:
            record_changes(session, cid, None, [linked])
        crm.set_email_opt_out(ann.id, True, reason="staff")
    fields = [e.change.field for e in history(store, cid, Side.CRM, ann.id)]
    assert fields == ["*", "cc_contact_id", "email_opt_out"]


def test_a_change_later_in_the_second_of_since_is_changed_since(
    adapter: str, store: Store, cid: int
) -> None:
    clock = Creeping()
    with ADAPTERS[adapter](store, cid, clock) as crm:
        ann = crm.create(Account("A1", email="ann@example.org", last_name="Lee"), reason="test")
        since = clock()
        crm.update_fields(ann.id, {"last_name": "Lee-Ray"}, reason="staff")
        assert [a.last_name for a in crm.changed_since(since)] == ["Lee-Ray"]
