"""Alembic migrations, applied from code so no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_known_revision(engine: Engine, revision: str) -> bool:
    """Whether one of our migrations is ``revision`` (else: another application's history)."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    return any(known.revision == revision for known in script.walk_revisions())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; True when anything was applied."""
    if current_revision(engine) == head_revision(engine):
        return False
    command.upgrade(alembic_config(engine), "head")
    return True
