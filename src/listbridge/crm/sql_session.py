"""The two databases a write to a CRM held elsewhere touches: the CRM's, and listbridge's
journal. A write runs in one CRM transaction with its journal entries in a state store
session opened around it; the journal rows are sent before the CRM commits (a store
that refuses them stops the write), then the CRM commits, then the journal. Only a
failure between the two commits could leave a write unjournaled: they are different
databases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from listbridge.core.journal import Change
from listbridge.crash_points import reached
from listbridge.store.db import Store
from listbridge.store.journal import record_changes

Clock = Callable[[], datetime]
MYSQL_DIALECTS = frozenset({"mysql", "mariadb"})


class CrmTransactions:
    """The CRM's engine, the state store, the connection and the clock of an adapter."""

    def __init__(self, store: Store, connection_id: int, engine: Engine, clock: Clock) -> None:
        self.store = store
        self.connection_id = connection_id
        self.engine = engine
        self.clock = clock

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            _utc(conn)
            yield conn

    @contextmanager
    def writing(self) -> Iterator[tuple[Connection, Session]]:
        with self.store.session() as session:
            with self.engine.begin() as conn:
                _utc(conn)
                yield conn, session
                session.flush()
            reached("crm_commit")  # the window between the two commits, for the tests

    def journal(self, session: Session, run_id: int | None, changes: Iterable[Change]) -> None:
        record_changes(session, self.connection_id, run_id, changes)

    def now(self) -> datetime:
        """The clock to the second: SQL CRMs' timestamps rarely keep a fraction."""
        return self.clock().replace(microsecond=0)


def _utc(conn: Connection) -> None:
    # MySQL converts TIMESTAMP columns to the session's zone; listbridge writes UTC.
    if conn.dialect.name in MYSQL_DIALECTS:
        conn.exec_driver_sql("SET time_zone = '+00:00'")
