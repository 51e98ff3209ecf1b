"""Alembic environment: the engine comes from the caller (store/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from listbridge.store.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(
    config.get_main_option("sqlalchemy.url") or "sqlite:///./listbridge.db"
)

with engine.begin() as connection:
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
