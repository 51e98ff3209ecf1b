"""What every Vtiger read and write shares: the two databases and how a write commits.

Every write runs in one transaction of the CRM database and is journaled in
listbridge's state store (side `crm`), as the builtin CRM journals its own. The two
databases cannot commit together: the Vtiger transaction commits first, then the
journal, whose rows are sent before the CRM's commit so that a store that refuses
them stops the write too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from listbridge.core.journal import Change
from listbridge.crm.vtiger.fields import Clock
from listbridge.crm.vtiger.writes import Writer
from listbridge.store.db import Store
from listbridge.store.journal import record_changes

#: the Vtiger user a fresh install creates first: the admin
ADMIN = 1


def utc_now() -> datetime:
    return datetime.now(UTC)


class VtigerBase:
    """One connection's Vtiger database, its state store, its clock and its Vtiger user.

    `user_id` is the Vtiger user listbridge writes as: the owner and creator of what it
    creates and the last modifier of what it changes.
    """

    def __init__(
        self,
        store: Store,
        connection_id: int,
        engine: Engine,
        clock: Clock = utc_now,
        *,
        user_id: int = ADMIN,
    ) -> None:
        self.store = store
        self.connection_id = connection_id
        self.engine = engine
        self.clock = clock
        self.user_id = user_id

    @contextmanager
    def writing(self, at: datetime | None = None) -> Iterator[tuple[Writer, Session]]:
        """A Vtiger transaction and a store session for its journal; the CRM commits
        first. `at` defaults to now; Vtiger keeps it in whole seconds, the journal as given."""
        noted = (at or self.clock()).astimezone(UTC)
        with self.store.session() as session, self.engine.begin() as conn:
            yield Writer(conn, noted.replace(microsecond=0), self.user_id, noted), session

    def journal(self, session: Session, run_id: int | None, changes: Sequence[Change]) -> None:
        """Journal `changes` in the writing's store session, sent at once (see above)."""
        record_changes(session, self.connection_id, run_id, changes)
        session.flush()
