"""crm/builtin/bulk.py: columns inserted with their `Same` values written once a statement
(literals on SQLite, COPY on PostgreSQL) store exactly what the same rows inserted one
value per cell do, across whole statements and the shorter ones of the rest: a quote in
a value, None, booleans, times, and a value a literal cannot hold (a NUL, bound instead)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from listbridge.crm.builtin.bulk import (
    Column,
    Same,
    bulk_insert,
    bulk_insert_columns,
    statement_sizes,
)
from listbridge.crm.builtin.records import ACCOUNT_COLUMNS, ACCOUNTS
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

AT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
NAMES = ["Ann", "Bo", "Zoë", "José", "Ólafur"]
COUNT = 549  # two statements of 256 rows, then one each of 32, 4 and 1


def _columns(cid: int, title: str = "") -> dict[str, Column]:
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
            "origin_detail": Same("o'brien's \"members\" ''.csv"),
            "title": Same(title),
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


@pytest.mark.parametrize("count", [COUNT, 1, 32, 70])
def test_columns_with_same_values_store_what_rows_do(store: Store, count: int) -> None:
    by_columns, by_rows = connection_id(store, "columns"), connection_id(store, "rows")
    # SQLite keeps a NUL (no literal can hold it: it is bound); PostgreSQL refuses one.
    title = "a\x00b" if store.url.startswith("sqlite") else "a b"
    columns = {
        name: c if isinstance(c, Same) else list(c)[:count]
        for name, c in _columns(by_columns, title).items()
    }
    rows = [[by_rows, *row[1:]] for row in _rows(_columns(by_rows, title))[:count]]
    with store.session() as session:
        bulk_insert_columns(session, ACCOUNTS, columns, count)
        bulk_insert(session, ACCOUNTS, list(columns), rows)
    stored = _stored(store, by_columns)
    assert stored == _stored(store, by_rows)
    assert len(stored) == count
    assert {(row[-2], row[-1]) for row in stored} == {(None, None)}  # deleted_at, created_run_id


def test_statement_sizes_cover_every_row_in_few_shapes() -> None:
    for count in (0, 1, 2, 255, 256, 257, 549, 2000):
        sizes = statement_sizes(count, 256)
        assert sum(per * times for per, times in sizes) == count
        assert all(per & (per - 1) == 0 and per <= 256 for per, _ in sizes)
        assert len({per for per, _ in sizes}) == len(sizes)  # each size once: few statements


def test_a_row_of_one_value_columns_only_binds_nothing(store: Store) -> None:
    by_columns, by_rows = connection_id(store, "columns"), connection_id(store, "rows")
    first = _rows(_columns(by_columns))[0]
    columns = {name: Same(value) for name, value in zip(_columns(by_columns), first, strict=True)}
    with store.session() as session:
        bulk_insert_columns(session, ACCOUNTS, columns, 1)
        bulk_insert(session, ACCOUNTS, list(columns), [[by_rows, *first[1:]]])
    assert _stored(store, by_columns) == _stored(store, by_rows)
    assert len(_stored(store, by_columns)) == 1
