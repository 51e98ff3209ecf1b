"""Empty databases for the CRMs listbridge syncs in place (CiviCRM, Vtiger, any SQL CRM).

Each test gets its own: a MariaDB database or a PostgreSQL schema with a random name,
dropped afterwards. A server that does not answer fails the test, never skips it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

MARIADB_URL = os.environ.get("LISTBRIDGE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306")
PG_URL = os.environ.get("LISTBRIDGE_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
#: the CRM databases a CRM's tests run on (a preset names the ones its CRM supports)
CRM_BACKENDS = ("mariadb", "postgresql")


def _admin(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@contextmanager
def _answering(url: str, name: str) -> Iterator[Engine]:
    admin = _admin(url)
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        pytest.fail(f"{name} at {url} is not reachable ({error}); start it")
    try:
        yield admin
    finally:
        admin.dispose()


@contextmanager
def mariadb_database() -> Iterator[str]:
    """The URL of a new, empty MariaDB database (utf8mb4, as CiviCRM and Vtiger use)."""
    name = f"lbt_{uuid.uuid4().hex[:12]}"
    with _answering(MARIADB_URL, "MariaDB") as admin:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        try:
            yield f"{MARIADB_URL}/{name}?charset=utf8mb4"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE `{name}`"))


@contextmanager
def postgresql_schema() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema (first on the search path)."""
    name = f"lbt_{uuid.uuid4().hex[:12]}"
    with _answering(PG_URL, "PostgreSQL") as admin:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            yield f"{PG_URL}?options=-csearch_path%3D{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


@contextmanager
def crm_database(backend: str) -> Iterator[str]:
    """An empty CRM database on `backend` ("mariadb" or "postgresql")."""
    opener = {"mariadb": mariadb_database, "postgresql": postgresql_schema}[backend]
    with opener() as url:
        yield url
