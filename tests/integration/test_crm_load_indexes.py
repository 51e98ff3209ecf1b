"""A large `crm load` into SQLite sets the accounts' unordered indexes aside and builds
them again before it commits (crm/builtin/load_tuning.py); a refused file leaves them as
they were, like everything else it would have written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from listbridge.core.errors import InvalidRowsError
from listbridge.crm.builtin import load_tuning
from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store

HEADER = "id,first_name,last_name,email,email_opt_out\n"


def _indexes(store: Store) -> dict[str, str]:
    with store.session() as session:
        rows = session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name IN ('crm_accounts', 'journal')"
            )
        ).all()
    return {name: sql for name, sql in rows}  # noqa: C416 - rows are Row objects


def _file(path: Path, rows: int, bad_last: bool = False) -> Path:
    # A household: every fifth person shares the address of the one before, in other case.
    lines = [HEADER]
    for n in range(rows):
        email = f"home{n // 5}@example.org" if n % 5 else f"HOME{n // 5}@Example.org"
        lines.append(f"P{(n * 7919) % rows:05d},Ann{n},Lee,{email},{'yes' if n % 3 else 'no'}\n")
    if bad_last:
        lines.append("Z1,Zoë,Lee,not an address,no\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(load_tuning, "ASIDE_AFTER", 10)
    return open_store(f"sqlite:///{tmp_path / 'aside.db'}")


def test_the_indexes_come_back_as_they_were_and_answer_queries(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt: list[int] = []
    rebuild = load_tuning.IndexesAside.rebuild

    def counting(aside: load_tuning.IndexesAside) -> None:
        rebuilt.append(len(aside.definitions))
        rebuild(aside)

    monkeypatch.setattr(load_tuning.IndexesAside, "rebuild", counting)
    before = _indexes(sqlite_store)
    aside = load_tuning.ACCOUNTS_ASIDE[1]
    assert set(aside) <= set(before)
    cid = connection_id(sqlite_store, "default")
    result = load_file(
        sqlite_store, cid, _file(tmp_path / "big.csv", 200), started_by="pytest", batch=25
    )
    assert (result.created, rebuilt) == (200, [len(aside)])
    assert _indexes(sqlite_store) == before
    with sqlite_store.session() as session:
        check = session.execute(text("PRAGMA integrity_check")).scalar_one()
        found = session.execute(
            text("SELECT count(*) FROM crm_accounts WHERE connection_id = :c AND email = :e"),
            {"c": cid, "e": "home3@example.org"},
        ).scalar_one()
        # the load's one entry for the accounts it created (store/journal.py)
        journaled = session.execute(
            text(
                "SELECT count(*) FROM journal INDEXED BY ix_journal_record"
                " WHERE connection_id = :c AND side = 'crm' AND record_id = ''"
            ),
            {"c": cid},
        ).scalar_one()
        cache = session.execute(text("PRAGMA cache_size")).scalar_one()
    assert (check, found, journaled) == ("ok", 4, 1)
    assert cache != -load_tuning.LOAD_CACHE_KIB  # the pooled connection has its own size back


def test_a_refused_file_leaves_the_indexes_and_stores_nothing(
    sqlite_store: Store, tmp_path: Path
) -> None:
    before = _indexes(sqlite_store)
    cid = connection_id(sqlite_store, "default")
    with pytest.raises(InvalidRowsError) as refused:
        load_file(
            sqlite_store,
            cid,
            _file(tmp_path / "bad.csv", 200, bad_last=True),
            started_by="pytest",
            batch=25,
        )
    assert [(e.row, e.column) for e in refused.value.errors] == [(202, "email")]
    assert _indexes(sqlite_store) == before
    with sqlite_store.session() as session:
        assert session.execute(text("SELECT count(*) FROM crm_accounts")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM journal")).scalar_one() == 0
