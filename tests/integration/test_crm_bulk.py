"""crm/builtin/bulk.py: columns inserted with their `Same` values bound once a statement
(numbered parameters on SQLite, COPY on PostgreSQL) store exactly what the same rows
inserted one value per cell do, across whole statements and a short last one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from listbridge.crm.builtin.bulk import Column, Same, bulk_insert, bulk_insert_columns
from listbridge.crm.builtin.records import ACCOUNT_COLUMNS, ACCOUNTS
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

AT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
NAMES = ["Ann", "Bo", "Zoë", "José", "Ólafur"]
COUNT = 70  # two statements of 32 rows and one of 6


def _columns(cid: int) -> dict[str, Column]:
    ids = [f"P{n:03d}" for n in range(COUNT)]
    # the text columns a file leaves out: each one value, as fresh.py binds them
    unset: dict[str, Column] = {name: Same("") for name in ACCOUNT_COLUMNS}
    return (
        {"connection_id": Same(cid)}
        | unset
        | {
            "id": ids,
            "type": ["organization" if n % 7 == 0 else "individual" for n in range(COUNT)],
            "first_name": [NAMES[n % len(NAMES)] for n in range(COUNT)],
            # a household: every other person shares the address before, in another case
            "email": [_address(n) for n in range(COUNT)],
            "email_opt_out": [n % 3 == 0 for n in range(COUNT)],
            "deceased": Same(False),
            "do_not_contact": Same(True),
            "origin_category": Same("file"),
            "origin_detail": Same("members.csv"),
            "created_at": Same(AT),
            "updated_at": Same(AT),
            "created_run_id": Same(None),
        }
    )


def _address(n: int) -> str:
    address = f"home{n // 2}@example.org"
    return address.upper() if n % 2 else address


def _rows(columns: dict[str, Column]) -> list[list[Any]]:
    every = [[c.value] * COUNT if isinstance(c, Same) else list(c) for c in columns.values()]
    return [list(row) for row in zip(*every, strict=True)]


def _stored(store: Store, cid: int) -> list[tuple[Any, ...]]:
    with store.session() as session:
        query = select(ACCOUNTS).where(ACCOUNTS.c.connection_id == cid).order_by(ACCOUNTS.c.id)
        return [tuple(row)[1:] for row in session.execute(query)]


@pytest.mark.parametrize("count", [COUNT, 1, 32])
def test_columns_with_same_values_store_what_rows_do(store: Store, count: int) -> None:
    by_columns, by_rows = connection_id(store, "columns"), connection_id(store, "rows")
    columns = {
        name: c if isinstance(c, Same) else list(c)[:count]
        for name, c in _columns(by_columns).items()
    }
    rows = [[by_rows, *row[1:]] for row in _rows(_columns(by_rows))[:count]]
    with store.session() as session:
        bulk_insert_columns(session, ACCOUNTS, columns, count)
        bulk_insert(session, ACCOUNTS, list(columns), rows)
    stored = _stored(store, by_columns)
    assert stored == _stored(store, by_rows)
    assert len(stored) == count
    assert {(row[-2], row[-1]) for row in stored} == {(None, None)}  # deleted_at, created_run_id
