"""The adapter under test, once per adapter of tests/contract/adapters.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.contract.adapters import ADAPTERS, DATABASES, Ticking

from listbridge.crm.protocol import CrmWithLists
from listbridge.store.connections import connection_id
from listbridge.store.db import Store


@pytest.fixture(scope="session", autouse=True)
def crm_databases() -> Iterator[None]:
    """The CRMs' databases, dropped when the test process ends."""
    yield
    for database in DATABASES.values():
        database.close()


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def cid(store: Store) -> int:
    return connection_id(store, "contract")


@pytest.fixture
def crm(adapter: str, store: Store, cid: int) -> Iterator[CrmWithLists]:
    with ADAPTERS[adapter](store, cid, Ticking()) as opened:
        yield opened
