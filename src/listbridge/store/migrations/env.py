"""Alembic environment: the engine comes from the caller (store/migrate.py).

On SQLite, foreign keys are off while the migrations run, as SQLite's own procedure for
changing a table asks: batch mode copies a table, drops the old one and renames the copy,
and with foreign keys on, that drop deletes every row that cascades from the table (0022's
downgrade of crm_accounts emptied crm_list_members and crm_custom_values). Before the
migrations commit, `PRAGMA foreign_key_check` must find no row pointing nowhere.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from listbridge.store.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(
    config.get_main_option("sqlalchemy.url") or "sqlite:///./listbridge.db"
)


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # All of a migration commits or none of it (see store/db.py for SQLite).
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        rows = ", ".join(f"{table} row {rowid} → {parent}" for table, rowid, parent, _ in broken)
        raise RuntimeError(f"the migration left rows pointing nowhere: {rows}")


if engine.dialect.name == "sqlite":
    with engine.connect() as connection:
        # Outside any transaction (SQLite ignores the pragma inside one); the pooled
        # connection gets its foreign keys back whatever happens.
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                run_migrations(connection)
                check_foreign_keys(connection)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
else:
    with engine.begin() as connection:
        run_migrations(connection)
