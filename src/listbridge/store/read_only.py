"""A second way into the same database for long reads that write nothing: the reports the
web admin makes on demand (possible duplicates, the consent report, a campaign's file).

On SQLite every session of `Store` begins with BEGIN IMMEDIATE (store/db.py: a job that
reads then writes must queue for the lock up front), so a session that reads 100,000
accounts for seconds holds every other session of every process at its door — the
dashboard, the other pages, a running sync. Here sessions begin no transaction: each
SELECT reads its own WAL snapshot and takes no lock another session waits for. Nothing
may be written through it. PostgreSQL's readers never block: the store itself is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from listbridge.config import ProcessConfig
from listbridge.store.db import Store, open_store


@contextmanager
def read_only(store: Store) -> Iterator[Store]:
    """The lock-free reader of `store`'s database, for the block's reads."""
    if not store.url.startswith("sqlite"):
        yield store
        return
    with reading(store.url, store.config) as reader:
        yield reader


@contextmanager
def reading(url: str, config: ProcessConfig) -> Iterator[Store]:
    """A reader of the database at `url` (another process's store: its URL and config)."""
    if not url.startswith("sqlite"):
        store = open_store(url, migrate=False, config=config)
        try:
            yield store
        finally:
            store.close()
        return
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _pragmas)
    try:
        yield Store(url, engine, sessionmaker(engine, expire_on_commit=False), config)
    finally:
        engine.dispose()


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    # the database is in WAL mode already (store/db.py sets it); a reader needs no more
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
