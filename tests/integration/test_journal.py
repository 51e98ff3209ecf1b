"""The change journal: committed with the change it describes, and queried per record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from listbridge.core.journal import Change, Side
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history, record_changes
from listbridge.store.models import Setting
from listbridge.store.runs import start_run

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _change(record: str, field: str, old: str | None, new: str | None, minutes: int) -> Change:
    return Change(
        Side.CRM,
        record,
        field,
        old,
        new,
        f"{field} from Constant Contact",
        AT + timedelta(minutes=minutes),
    )


def test_history_answers_who_changed_a_record_and_why(store: Store) -> None:
    cid = connection_id(store, "default")
    run_id = start_run(store, cid, "unsubscribes_sync", "scheduler on host")
    later = _change("A1", "email_opt_out", "false", "true", 5)
    created = _change("A1", "*", None, "created", 0)
    with store.session() as session:
        assert (
            record_changes(session, cid, run_id, [later, created, _change("A2", "x", "1", "2", 1)])
            == 3
        )
    found = history(store, cid, Side.CRM, "A1")
    assert [entry.change for entry in found] == [created, later]
    assert {(e.run_id, e.run_kind, e.started_by) for e in found} == {
        (run_id, "unsubscribes_sync", "scheduler on host")
    }


def _write_then_fail(store: Store, cid: int) -> None:
    with store.session() as session:
        session.add(Setting(connection_id=cid, key="push.direction", value="both", updated_at=AT))
        record_changes(session, cid, None, [_change("A1", "first_name", "Ann", "Anne", 0)])
        raise RuntimeError("the write failed")


def test_a_journal_entry_rolls_back_with_its_change(store: Store) -> None:
    cid = connection_id(store, "default")
    with pytest.raises(RuntimeError, match="the write failed"):
        _write_then_fail(store, cid)
    assert history(store, cid, Side.CRM, "A1") == []
    with store.session() as session:
        assert session.get(Setting, (cid, "push.direction")) is None


def test_history_is_scoped_by_connection_and_side(store: Store) -> None:
    mine, theirs = connection_id(store, "mine"), connection_id(store, "theirs")
    cc_change = Change(Side.CC, "A1", "list", None, "Members", "push", AT)
    with store.session() as session:
        record_changes(session, mine, None, [_change("A1", "city", "", "Boston", 0), cc_change])
    assert [e.change.field for e in history(store, mine, Side.CRM, "A1")] == ["city"]
    assert [e.change for e in history(store, mine, Side.CC, "A1")] == [cc_change]
    assert history(store, theirs, Side.CRM, "A1") == []
    [manual] = history(store, mine, Side.CRM, "A1")
    assert (manual.run_id, manual.run_kind, manual.started_by) == (None, None, None)


def test_many_changes_are_recorded_in_batches(store: Store) -> None:
    cid = connection_id(store, "default")
    changes = (_change("A1", f"custom.f{n}", None, str(n), n) for n in range(2500))
    with store.session() as session:
        assert record_changes(session, cid, None, changes) == 2500
    assert len(history(store, cid, Side.CRM, "A1")) == 2500
