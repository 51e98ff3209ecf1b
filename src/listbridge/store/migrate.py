"""Alembic migrations, applied from code so no alembic.ini is needed.

An opening whose schema is not at the newest revision (a new store, an older one) comes
here; an up-to-date one does not (store/schema_revision.py). Reading the scripts
executes every migration module (45 ms for 22 of them on a loaded machine), so the
process reads them once, and runs them through Alembic's environment itself
(`command.upgrade` would read them again): they do not change while it runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@cache
def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


@cache
def revisions() -> tuple[str, ...]:
    """Every revision, the oldest first."""
    return tuple(reversed([known.revision for known in _scripts().walk_revisions()]))


def head_revision(engine: Engine) -> str | None:
    return _scripts().get_current_head()


def is_known_revision(engine: Engine, revision: str) -> bool:
    """Whether one of our migrations is ``revision`` (else: another application's history)."""
    return revision in revisions()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; True when anything was applied."""
    if current_revision(engine) == head_revision(engine):
        return False
    _migrate(engine, "head", lambda script, rev: script._upgrade_revs("head", rev))
    return True


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to `revision` (tests of the upgrades from each older one)."""
    _migrate(engine, revision, lambda script, rev: script._downgrade_revs(revision, rev))


def _migrate(
    engine: Engine, destination: str, steps: Callable[[ScriptDirectory, Any], Any]
) -> None:
    script = _scripts()
    with EnvironmentContext(
        alembic_config(engine), script, fn=lambda rev, _context: steps(script, rev),
        destination_rev=destination,
    ):  # fmt: skip
        script.run_env()
