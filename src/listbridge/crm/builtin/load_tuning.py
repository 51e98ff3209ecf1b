"""What a large `crm load` changes of SQLite while it runs, all of it undone at its end.

* The load's connection gets a larger page cache, and its own size back afterwards.
  Every account goes into B-trees (the primary key, the indexes) in an order of its
  own; once they outgrow SQLite's default 2 MB cache, nearly every insert reads and
  spills a page.
* The accounts' indexes whose keys arrive in no order (`ix_crm_accounts_email`, and
  `ix_crm_accounts_updated_id` when the ids are not sorted) are set aside once the load
  has written as many accounts as the table held before it, and built again, each in
  one sorted pass, before the load commits, inside the load's transaction: a load
  that fails, is refused or is killed rolls back to the indexes as they were, and
  other connections (WAL) read the old indexes until it commits. PostgreSQL is left
  as it is: dropping an index there would lock the table against every reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session

#: KiB (a negative cache_size is in KiB). Measured on a million accounts in random id
#: order: 66 CPU s at the default 2 MB, 36 at 64 MB, 15 with the indexes set aside too.
LOAD_CACHE_KIB = 64 * 1024
ACCOUNTS_ASIDE = ("crm_accounts", ("ix_crm_accounts_email", "ix_crm_accounts_updated_id"))
#: fewer new accounts than this are not worth rebuilding the indexes for
ASIDE_AFTER = 20_000


class IndexesAside:
    """Sets a table's indexes aside during a large load (SQLite only).

    `indexes` is the table and the names of its indexes to set aside."""

    def __init__(self, connection: Connection, indexes: tuple[str, tuple[str, ...]]) -> None:
        self.connection = connection
        self.table, self.names = indexes
        self.enabled = connection.dialect.name == "sqlite"
        self.before = self._rows() if self.enabled else 0
        self.definitions: list[str] = []

    def after(self, written: int) -> None:
        """Called as rows are written to the table: sets the indexes aside once it pays."""
        if not self.enabled or self.definitions or written < max(ASIDE_AFTER, self.before):
            return
        marks = ", ".join("?" * len(self.names))
        found = self.connection.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
            self.names,
        ).all()
        for name, definition in found:
            self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
            self.definitions.append(definition)

    def rebuild(self) -> None:
        """Builds the indexes set aside again; before the load commits."""
        for definition in self.definitions:
            self.connection.exec_driver_sql(definition)
        self.definitions.clear()

    def _rows(self) -> int:
        # max(rowid) bounds the table's rows from above in one seek; count(*) reads it all.
        found = self.connection.exec_driver_sql(f'SELECT max(rowid) FROM "{self.table}"').scalar()
        return int(found or 0)


@contextmanager
def load_cache(session: Session) -> Iterator[None]:
    """A larger page cache for the load's connection (SQLite), its own size back after."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {before}")
