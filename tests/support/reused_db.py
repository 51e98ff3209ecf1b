"""A CRM database made once per test process and put back as it was made before each test.

Making CiviCRM's or Vtiger's tables costs 150–400 ms a test; putting them back costs a
tenth of that: every table emptied with its identity counter reset (MariaDB's
AUTO_INCREMENT, PostgreSQL's sequences), then the rows the database was made with (an
installer's seed rows, Vtiger's id sequence and numbering) inserted again. Whatever a
test left behind, the next one starts from the database as `make` made it.

`ReusedDatabase(make)` takes any context manager that yields an engine on a new database
and drops it afterwards (tests/support/civicrm_db.py, vtiger_db.py): the database is
made on the first `fresh()`, and dropped by `close()`. Each pytest-xdist worker has
its own (crm_db.py names each database uniquely).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any

from sqlalchemy import Connection, MetaData, Table
from sqlalchemy.engine import Engine

MYSQL = ("mysql", "mariadb")


class ReusedDatabase:
    def __init__(self, make: Callable[[], AbstractContextManager[Engine]]) -> None:
        self._make = make
        self._stack = ExitStack()
        self._engine: Engine | None = None
        self._tables: list[Table] = []
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._used = False

    def fresh(self) -> Engine:
        """The engine on the database, as `make` made it."""
        if self._engine is None:
            self._engine = self._stack.enter_context(self._make())
            self._remember(self._engine)
        elif self._used:
            with self._engine.begin() as conn:
                self._put_back(conn)
        self._used = True
        return self._engine

    def close(self) -> None:
        self._stack.close()
        self._engine = None

    def _remember(self, engine: Engine) -> None:
        metadata = MetaData()
        metadata.reflect(engine)
        self._tables = list(metadata.sorted_tables)
        with engine.connect() as conn:
            self._rows = {
                t.name: [dict(row) for row in conn.execute(t.select()).mappings()]
                for t in self._tables
            }

    def _put_back(self, conn: Connection) -> None:
        if conn.dialect.name in MYSQL:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in self._tables:  # TRUNCATE resets AUTO_INCREMENT, DELETE would not
                conn.exec_driver_sql(f"TRUNCATE TABLE `{table.name}`")
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        else:
            names = ", ".join(f'"{t.name}"' for t in self._tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for table in self._tables:
            if self._rows[table.name]:
                conn.execute(table.insert(), self._rows[table.name])
