"""The two databases a CiviCRM write touches: CiviCRM's, and listbridge's journal.

A write runs in one CiviCRM transaction with its journal entries in a state store
session opened around it: the CiviCRM transaction commits first, then the journal.
Should CiviCRM refuse the commit, nothing is journaled; only a failure between the
two commits could leave a write unjournaled (they are different databases).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from listbridge.core.journal import Change
from listbridge.crm.civicrm.tables import MYSQL_DIALECTS
from listbridge.store.db import Store
from listbridge.store.journal import record_changes

Clock = Callable[[], datetime]


class Transactions:
    """What `CiviCrm` and its lists share: the two databases and the clock."""

    store: Store
    connection_id: int
    engine: Engine
    clock: Clock

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            _utc(conn)
            yield conn

    @contextmanager
    def writing(self) -> Iterator[tuple[Connection, Session]]:
        with self.store.session() as session, self.engine.begin() as conn:
            _utc(conn)
            yield conn, session

    def journal(self, session: Session, run_id: int | None, changes: Iterable[Change]) -> None:
        record_changes(session, self.connection_id, run_id, changes)

    def now(self) -> datetime:
        """The clock to the second: CiviCRM's timestamps keep no fraction."""
        return self.clock().replace(microsecond=0)


def _utc(conn: Connection) -> None:
    # MySQL converts its TIMESTAMPs to the session's zone; tables.Instant binds UTC.
    if conn.dialect.name in MYSQL_DIALECTS:
        conn.exec_driver_sql("SET time_zone = '+00:00'")
