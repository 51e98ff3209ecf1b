"""The CRM adapters the contract suites run on, and what each one can do.

A new adapter adds a factory here: a context manager that, given listbridge's store, a
connection id and a clock, yields the adapter on a fresh CRM (and cleans it up), and
its name to the capability sets it has. The suites run every test on every adapter,
except the tests of a capability, which run on the adapters that declare it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.civicrm_db import civicrm_factory
from tests.support.sqlmap_db import sqlmap_factory
from tests.support.vtiger_db import vtiger_crm

from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.protocol import CrmWithLists
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


@contextmanager
def _builtin(store: Store, connection_id: int, clock: Clock) -> Iterator[CrmWithLists]:
    yield BuiltinCrm(store, connection_id, clock)


ADAPTERS: dict[str, AdapterFactory] = {
    "builtin": _builtin,
    "civicrm-mariadb": civicrm_factory("mariadb"),
    "civicrm-postgresql": civicrm_factory("postgresql"),
    "vtiger-mariadb": vtiger_crm,
    # the documented example mapping; and one full-name column, changes by fingerprints
    "sql-mariadb": sqlmap_factory("mariadb", "example"),
    "sql-postgresql": sqlmap_factory("postgresql", "fingerprints"),
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
