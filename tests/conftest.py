"""Fixtures every tier shares: a fresh state store on SQLite and on PostgreSQL.

Tests that take `db_url` or `store` run once per backend. PostgreSQL tests use
their own schema in the `test` database (LISTBRIDGE_TEST_PG_URL overrides), so
parallel runs and parallel sessions never see each other's rows.
"""

from __future__ import annotations

import os
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx._transports.default
import psycopg
import pytest
from hypothesis import HealthCheck, settings
from tests.support.store_template import StoreTemplates
from typer.testing import CliRunner, Result

from listbridge.store.db import Store, open_store

PG_URL = os.environ.get("LISTBRIDGE_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
# Deadlines flake on a shared 2-core machine; CI runs the same examples every time.
settings.register_profile("listbridge", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("listbridge"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "listbridge")

# Each httpx client makes its own SSL context and loads certifi's certificates into it: 30 ms
# of CPU a client, and the suites open tens of thousands (our client, the CLI's, the
# tests' controls), all on plain http to loopback. The default context is made once per
# test process, as httpx advises (an SSL context is meant to be shared); any other is
# made as asked.
_make_ssl_context = httpx._transports.default.create_ssl_context
#: the default context, by the certificate locations it was made from
_default_ssl_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _ssl_context_once(
    verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
) -> ssl.SSLContext:
    if verify is not True or cert is not None or not trust_env:
        return _make_ssl_context(verify=verify, cert=cert, trust_env=trust_env)
    where = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    if where not in _default_ssl_contexts:
        _default_ssl_contexts[where] = _make_ssl_context()
    return _default_ssl_contexts[where]


httpx._transports.default.create_ssl_context = _ssl_context_once

BACKENDS = [
    b for b in os.environ.get("LISTBRIDGE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True)


@pytest.fixture(scope="session")
def pg_available() -> None:
    """PostgreSQL must answer: a missing server is a failure, never a skip."""
    try:
        with _pg_admin():
            pass
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL at {PG_URL} is not reachable ({error}); start it, or run with "
            "LISTBRIDGE_TEST_BACKENDS=sqlite to test SQLite alone"
        )


def _pg_schema_url() -> Iterator[str]:
    schema = f"lbt_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def empty_store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on `backend` ("sqlite" or "postgresql") for one test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'listbridge.db'}"
        return
    request.getfixturevalue("pg_available")
    yield from _pg_schema_url()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, once for SQLite and once for PostgreSQL."""
    yield from empty_store_url(request.param, request, tmp_path)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreTemplates]:
    """A migrated store per backend, copied into each test's store (support/store_template)."""
    templates = StoreTemplates(tmp_path_factory.mktemp("store-template"), PG_URL)
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture
def store(db_url: str, store_templates: StoreTemplates) -> Iterator[Store]:
    store_templates.fill(db_url)
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


class Cli:
    """Runs `listbridge --db URL …` in-process and keeps stdout and stderr apart."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        # A wide terminal, so that Rich does not wrap the table cells tests look for.
        self.runner = CliRunner(env={"COLUMNS": "200"})

    def __call__(self, *args: str, input: str | None = None) -> Result:
        from listbridge.cli.main import app

        return self.runner.invoke(app, ["--db", self.db_url, *args], input=input)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)
