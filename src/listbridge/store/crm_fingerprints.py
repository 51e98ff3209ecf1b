"""Fingerprints of a mapped CRM's rows (crm/sqlmap/fingerprints.py says why): read and
kept per connection and account id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from listbridge.store.models import CrmFingerprint

#: ids per IN (…)
CHUNK = 900


def stored_fingerprints(
    session: Session, connection_id: int, account_ids: Iterable[str]
) -> dict[str, tuple[str, datetime]]:
    """(fingerprint, changed_at) by account id, for the ids that have one."""
    ids = sorted(set(account_ids))
    found: dict[str, tuple[str, datetime]] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(
            CrmFingerprint.account_id, CrmFingerprint.fingerprint, CrmFingerprint.changed_at
        ).where(
            CrmFingerprint.connection_id == connection_id,
            CrmFingerprint.account_id.in_(ids[start : start + CHUNK]),
        )
        found |= {
            row.account_id: (row.fingerprint, row.changed_at) for row in session.execute(query)
        }
    return found


def keep_fingerprints(
    session: Session, connection_id: int, fingerprints: Mapping[str, str], at: datetime
) -> None:
    """Record these fingerprints as changed at `at` (the caller commits): one statement
    for them all, inserting or replacing each."""
    if not fingerprints:
        return
    table = CrmFingerprint.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    statement = statement.on_conflict_do_update(
        index_elements=["connection_id", "account_id"],
        set_={"fingerprint": statement.excluded.fingerprint, "changed_at": at},
    )
    rows = [
        {"connection_id": connection_id, "account_id": a, "fingerprint": f, "changed_at": at}
        for a, f in fingerprints.items()
    ]
    session.execute(statement, rows)
