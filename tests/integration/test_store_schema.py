"""The migrations create exactly what the models describe, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from tests.support.store_template import StoreTemplates

from listbridge.store import models
from listbridge.store.db import Store, open_store
from listbridge.store.migrate import current_revision, head_revision, upgrade
from listbridge.store.models import Base


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """Migrated here from empty, by the migrations themselves: the other tests' stores are
    copies of one made so (tests/support/store_template.py)."""
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


def test_migrated_schema_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_a_tests_copy_of_the_migrated_store_matches_models(
    db_url: str, store_templates: StoreTemplates
) -> None:
    store_templates.fill(db_url)
    copied = open_store(db_url, migrate=False)
    try:
        assert current_revision(copied.engine) == head_revision(copied.engine)
        with copied.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        copied.close()


def test_every_model_is_exported_by_the_models_package() -> None:
    exported = {getattr(models, name) for name in models.__all__}
    assert {mapper.class_ for mapper in Base.registry.mappers} <= exported


def test_store_opens_at_head_and_upgrade_is_idempotent(store: Store) -> None:
    assert current_revision(store.engine) == head_revision(store.engine)
    assert upgrade(store.engine) is False


def test_cli_db_upgrade_reports_revision(cli, store: Store) -> None:
    head = head_revision(store.engine)
    first = cli("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"at revision {head} (head {head})" in first.stdout
    again = cli("db", "upgrade")
    assert f"already at revision {head}" in again.stdout


def test_schema_changes_roll_back_with_their_transaction(store: Store) -> None:
    """A failed migration leaves no half-made schema behind, on SQLite too."""

    def failing_migration() -> None:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE half_made (x INTEGER)")
            raise RuntimeError("the migration failed here")

    with pytest.raises(RuntimeError):
        failing_migration()
    assert "half_made" not in inspect(store.engine).get_table_names()
