"""The CRM adapters the contract suites run on, and what each one can do.

A new adapter adds a factory here: a context manager that, given listbridge's store, a
connection id and a clock, yields the adapter on a fresh CRM, and its name to the
capability sets it has. A CRM's database is made once per test process and put back as
it was made before each test (tests/support/reused_db.py): making CiviCRM's or Vtiger's
tables costs ten times as much. The suites run every test on every adapter,
except the tests of a capability, which run on the adapters that declare it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.civicrm_db import civicrm_engine
from tests.support.reused_db import ReusedDatabase
from tests.support.sqlmap_db import MAPPINGS, members_engine
from tests.support.vtiger_db import vtiger_engine

from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.protocol import CrmWithLists
from listbridge.crm.sqlmap.adapter import SqlCrm
from listbridge.crm.sqlmap.parse import read_mapping
from listbridge.crm.vtiger import VtigerCrm
from listbridge.store.db import Store

Clock = Callable[[], datetime]
AdapterFactory = Callable[[Store, int, Clock], AbstractContextManager[CrmWithLists]]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Ticking:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.ticks = itertools.count()

    def __call__(self) -> datetime:
        return T0 + timedelta(seconds=next(self.ticks))


#: each CRM's database, made on a test process's first test of it (closed by the conftest)
DATABASES: dict[str, ReusedDatabase] = {
    "civicrm-mariadb": ReusedDatabase(lambda: civicrm_engine("mariadb")),
    "civicrm-postgresql": ReusedDatabase(lambda: civicrm_engine("postgresql")),
    "vtiger-mariadb": ReusedDatabase(vtiger_engine),
    "sql-mariadb": ReusedDatabase(lambda: members_engine("mariadb")),
    "sql-postgresql": ReusedDatabase(lambda: members_engine("postgresql")),
}


@contextmanager
def _builtin(store: Store, connection_id: int, clock: Clock) -> Iterator[CrmWithLists]:
    yield BuiltinCrm(store, connection_id, clock)


def _civicrm(database: str) -> AdapterFactory:
    @contextmanager
    def opened(store: Store, connection_id: int, clock: Clock) -> Iterator[CrmWithLists]:
        yield CiviCrm(store, connection_id, DATABASES[database].fresh(), clock)

    return opened


@contextmanager
def _vtiger(store: Store, connection_id: int, clock: Clock) -> Iterator[CrmWithLists]:
    yield VtigerCrm(store, connection_id, DATABASES["vtiger-mariadb"].fresh(), clock)


def _sql(database: str, variant: str) -> AdapterFactory:
    @contextmanager
    def opened(store: Store, connection_id: int, clock: Clock) -> Iterator[CrmWithLists]:
        engine = DATABASES[database].fresh()
        file = read_mapping(f"{variant}.toml", MAPPINGS[variant]())
        yield SqlCrm(store, connection_id, engine, file, clock)

    return opened


ADAPTERS: dict[str, AdapterFactory] = {
    "builtin": _builtin,
    "civicrm-mariadb": _civicrm("civicrm-mariadb"),
    "civicrm-postgresql": _civicrm("civicrm-postgresql"),
    "vtiger-mariadb": _vtiger,
    # the documented example mapping; and one full-name column, changes by fingerprints
    "sql-mariadb": _sql("sql-mariadb", "example"),
    "sql-postgresql": _sql("sql-postgresql", "fingerprints"),
}
#: `write_batch` stores the batch and the caller's bookkeeping in one transaction; the
#: others commit the batch first (crm/protocol.py, `write_batch`)
ATOMIC_BATCHES = frozenset({"builtin"})
#: `create` keeps the id it is given (the others number their records themselves)
CALLER_IDS = frozenset({"builtin"})
#: custom fields are defined, typed and stored (`custom.<Name>` columns)
CUSTOM_FIELDS = frozenset({"builtin"})
#: accounts can be organizations (Vtiger syncs its contacts only: see crm/vtiger)
ORGANIZATIONS = frozenset(ADAPTERS) - {"vtiger-mariadb"}


def only(capable: frozenset[str]) -> pytest.MarkDecorator:
    """A capability's test runs on the adapters that declare it, and only those."""
    return pytest.mark.parametrize("adapter", sorted(capable), indirect=True)
