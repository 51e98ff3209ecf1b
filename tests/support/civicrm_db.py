"""A fresh CiviCRM database for a test, and the CiviCRM adapter on it.

`civicrm_engine(backend)` creates CiviCRM's tables (tests/support/civicrm_schema.py)
in an empty MariaDB database or PostgreSQL schema (tests/support/crm_db.py) and drops
it afterwards; `civicrm_factory(backend)` is the contract suites' adapter factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from tests.support.civicrm_schema import create_civicrm
from tests.support.crm_db import crm_database

from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.store.db import Store

Clock = Callable[[], datetime]


@contextmanager
def civicrm_engine(backend: str) -> Iterator[Engine]:
    with crm_database(backend) as url:
        engine = create_engine(url)
        try:
            create_civicrm(engine)
            yield engine
        finally:
            engine.dispose()


def civicrm_factory(
    backend: str,
) -> Callable[[Store, int, Clock], AbstractContextManager[CiviCrm]]:
    @contextmanager
    def opened(store: Store, connection_id: int, clock: Clock) -> Iterator[CiviCrm]:
        with civicrm_engine(backend) as engine:
            yield CiviCrm(store, connection_id, engine, clock)

    return opened
