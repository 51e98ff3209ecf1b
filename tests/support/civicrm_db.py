"""A fresh CiviCRM database: `civicrm_engine(backend)` creates CiviCRM's tables
(tests/support/civicrm_schema.py) in an empty MariaDB database or PostgreSQL schema
(tests/support/crm_db.py) and drops it afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from tests.support.civicrm_schema import create_civicrm
from tests.support.crm_db import crm_database

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
