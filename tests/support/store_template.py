"""A test's state store made from a copy of one migrated once per test process.

Running the 22 migrations costs a new store 0.3–0.5 s of CPU on SQLite and more on
PostgreSQL, paid by every test that takes a store: a copy costs milliseconds. The
template is made by the migrations themselves (`open_store`), on the first test of each
backend in each pytest-xdist worker, so a test's store is exactly what a real
migration makes. tests/integration/test_store_schema.py and the downgrade tests keep
migrating an empty database of their own.

SQLite: the template file is copied (its WAL is checkpointed away when its engine
closes). PostgreSQL: the template schema is dumped once (`pg_dump`, structure, rows and
sequence values) and that script is run in the test's own empty schema. Without
pg_dump, each store is migrated as before.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import unquote

import psycopg

from listbridge.store.db import open_store

#: the schema name in a PostgreSQL store URL (tests/conftest.py's search_path option)
_SCHEMA = re.compile(r"search_path(?:%3D|=)([A-Za-z0-9_]+)")
#: the dump names the template's schema; a test's script names its own
_PLACEHOLDER = "lbt_store_template_schema"


class StoreTemplates:
    """Per backend, a migrated store to copy: made on first use, dropped by `close`."""

    def __init__(self, where: Path, pg_url: str) -> None:
        self._where = where
        self._pg_url = pg_url
        self._sqlite: Path | None = None
        self._pg_script: str | None = None
        self._pg_schema: str | None = None
        self._pg_tried = False

    def fill(self, url: str) -> None:
        """Put the migrated schema into the empty store at `url`; a store that is not
        empty (something wrote there first) is left as it is, to be migrated on opening."""
        if url.startswith("sqlite:///"):
            self._fill_sqlite(Path(unquote(url.removeprefix("sqlite:///"))))
        elif (found := _SCHEMA.search(url)) is not None:
            self._fill_postgresql(found.group(1))

    def close(self) -> None:
        if self._pg_schema is not None:
            with self._admin() as conn:
                conn.execute(f'DROP SCHEMA "{self._pg_schema}" CASCADE')

    def _fill_sqlite(self, path: Path) -> None:
        if path.exists() or not path.parent.is_dir():
            return
        if self._sqlite is None:
            template = self._where / "template.db"
            open_store(f"sqlite:///{template}").close()
            assert not Path(f"{template}-wal").exists(), "the template's WAL was not emptied"
            self._sqlite = template
        shutil.copyfile(self._sqlite, path)

    def _fill_postgresql(self, schema: str) -> None:
        script = self._pg_template()
        if script is None:
            return
        with self._admin() as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,)
            ).fetchone()
            if tables is None or tables[0] != 0:
                return
            conn.execute("SET synchronous_commit = off")
            conn.execute(script.replace(_PLACEHOLDER, schema).encode())

    def _pg_template(self) -> str | None:
        if not self._pg_tried:
            self._pg_tried = True
            if shutil.which("pg_dump") is not None:
                self._pg_script = self._dump_migrated_schema()
        return self._pg_script

    def _dump_migrated_schema(self) -> str:
        schema = f"lbt_tpl_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self._pg_schema = schema
        open_store(f"{self._pg_url}?options=-csearch_path%3D{schema}").close()
        options = ["--schema", schema, "--no-owner", "--no-privileges", "--inserts"]
        dumped = subprocess.run(
            ["pg_dump", *options, "--dbname", self._libpq_url()],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        kept = [
            line
            for line in dumped.splitlines()
            # psql's meta-commands (\restrict), and the schema: the test made its own
            if not line.startswith("\\") and not line.startswith("CREATE SCHEMA ")
        ]
        return "\n".join(kept).replace(schema, _PLACEHOLDER)

    def _libpq_url(self) -> str:
        return self._pg_url.replace("postgresql+psycopg", "postgresql")

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self._libpq_url(), autocommit=True)
