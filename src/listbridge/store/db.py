"""Opening the state store: which database, how to connect, schema up to date."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from listbridge.config import ProcessConfig, process_config
from listbridge.core.errors import UserError
from listbridge.crash_points import reached


def resolve_url(url: str) -> str:
    """The URL with the driver we ship, or a UserError for a database we do not support."""
    if url.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the driver we ship; plain URLs would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith(("sqlite", "postgresql+psycopg")):
        raise UserError(
            f"unsupported database URL {url.split(':', 1)[0]!r}: "
            "use sqlite:///PATH or postgresql+psycopg://HOST/DB"
        )
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers go on while a job writes; busy_timeout makes writers
    # from other processes wait for each other instead of failing at once.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The sqlite3 module opens transactions only before DML, so a migration's DDL
    # would commit statement by statement and a failed one would leave half a
    # schema behind. We begin every transaction ourselves instead (SQLAlchemy's
    # documented recipe), which makes DDL transactional like on PostgreSQL.
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads
    # and then writes while another process commits cannot wait for the lock
    # (SQLite refuses at once with "database is locked", busy_timeout or not);
    # one that asks first waits its turn like any writer.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass
class Store:
    """An open state store: the engine and a session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    #: the process configuration; whatever works with the store reads its variables here
    config: ProcessConfig = field(default_factory=ProcessConfig)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on error."""
        with self.sessions.begin() as session:
            yield session
        reached("commit")

    def close(self) -> None:
        self.engine.dispose()


def open_store(
    url: str | None = None, *, migrate: bool = True, config: ProcessConfig | None = None
) -> Store:
    """Open the store, bringing its schema up to date first (unless told not to).

    ``url`` (the CLI's --db) wins over ``config.database_url`` (LISTBRIDGE_DATABASE_URL,
    else ./listbridge.db). The CLI passes the configuration it read at start; a script or
    a test that passes none gets its process's environment (config.process_config).
    Opening reads the database once, so a wrong URL fails here with a UserError that
    names it, not later with the driver's words."""
    from listbridge.store.opening import check_openable, require_directory

    config = config if config is not None else process_config()
    resolved = resolve_url(url or config.database_url)
    require_directory(resolved)
    engine = make_engine(resolved)
    try:
        if not check_openable(engine) and migrate:
            from listbridge.store.migrate import upgrade  # Alembic: only when it has work

            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(resolved, engine, sessionmaker(engine, expire_on_commit=False), config)
