"""Vtiger databases for the tests: a fresh MariaDB database with Vtiger's tables
(tests/support/vtiger_schema.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from tests.support.crm_db import crm_database
from tests.support.vtiger_schema import create_vtiger


@contextmanager
def vtiger_engine() -> Iterator[Engine]:
    """An engine on a new MariaDB database holding a fresh Vtiger schema.

    Its sessions are strict whatever the server's default: a value that does not fit
    or a required column left out is an error, never a silent truncation or a ''.
    """
    with crm_database("mariadb") as url:
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _strict)
        try:
            create_vtiger(engine)
            yield engine
        finally:
            engine.dispose()


def _strict(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")
